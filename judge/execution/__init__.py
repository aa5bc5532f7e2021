"""The execution judge: AST -> SQL, seeded customer-data databases, equivalence evidence."""

from judge.execution.compiler import NOW, compile_definition
from judge.execution.database import Sandbox, constants_of
from judge.execution.equivalence import Evidence, compare
from judge.execution.judge import judge_execution
from judge.execution.run import run_execution

__all__ = [
    "NOW",
    "Evidence",
    "Sandbox",
    "compare",
    "compile_definition",
    "constants_of",
    "judge_execution",
    "run_execution",
]
