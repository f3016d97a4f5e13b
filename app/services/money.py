"""Money amounts in the home's currency (HA's ``currency`` or HOMEIQ_CURRENCY)."""

from __future__ import annotations

from typing import Final

# Symbols of common currencies; any other ISO 4217 code is shown as the code itself.
SYMBOLS: Final[dict[str, str]] = {"EUR": "€", "USD": "$", "GBP": "£"}


def currency_label(currency: str | None) -> str:
    """Return the symbol of ``currency`` (€, $, £), its ISO code otherwise, "" when unknown."""
    if not currency:
        return ""
    code = currency.strip().upper()
    return SYMBOLS.get(code, code)


def money(amount: float, currency: str | None) -> str:
    """Return ``amount`` with two decimals and the currency: ``$ 1,234.50``, ``CHF 3.10``."""
    label = currency_label(currency)
    return f"{label} {amount:,.2f}" if label else f"{amount:,.2f}"
