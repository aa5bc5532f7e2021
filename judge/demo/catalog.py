"""The e-commerce world of the demo data: events with their properties, and traits."""

from __future__ import annotations

__all__ = ["COUNTRIES", "EVENTS", "NUMERIC_PROPERTIES", "PLANS", "TRAITS"]

EVENTS: dict[str, dict[str, str]] = {
    "Order Completed": {"revenue": "number", "total": "number", "currency": "string", "coupon": "string", "category": "string"},
    "Product Viewed": {"price": "number", "category": "string", "product_id": "string"},
    "Product Added": {"price": "number", "quantity": "number", "category": "string"},
    "Checkout Started": {"value": "number", "step": "number"},
    "Signed Up": {"method": "string", "source": "string"},
    "Email Opened": {"campaign": "string", "subject": "string"},
}  # fmt: skip
TRAITS: dict[str, str] = {
    "total_spend": "number",
    "lifetime_orders": "number",
    "plan": "string",
    "country": "string",
    "email_opt_in": "boolean",
}
PLANS = ("free", "pro", "team", "enterprise")
COUNTRIES = ("US", "CA", "GB", "DE", "FR", "BR", "JP")
CATEGORIES = ("shoes", "shirts", "bags", "accessories")
NUMERIC_PROPERTIES = {e: [p for p, kind in props.items() if kind == "number"] for e, props in EVENTS.items()}
