"""ISO 4217 currency codes with their minor units, and conversion to the base currency.

The table lists the active ISO 4217 codes (list one, as published by SIX) that a payment
system may send; funds codes and precious metals (XAU, XDR ...) are left out on purpose:
they are not transaction currencies.

Conversion uses ``settings.TRANSACTION_FX_RATES`` ({code: units of the base currency for one
unit of code}); the base currency (``settings.BASE_CURRENCY``) is always 1. A currency
without a rate can still be stored but its base-currency value is unknown, so intake refuses
it with a field-named error (see ``to_base``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings

_TWO = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CNY COP CRC CUP CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ
GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL
MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR
PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
"""
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"

# code -> minor units (number of decimals)
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
}

CENT = Decimal("0.01")


def is_valid(code: str) -> bool:
    return code in MINOR_UNITS


def minor_units(code: str) -> int:
    return MINOR_UNITS.get(code, 2)


def base_currency() -> str:
    return str(settings.BASE_CURRENCY)


def rate(code: str) -> Decimal | None:
    """Units of the base currency for one unit of ``code``; None when no rate is configured."""
    if code == base_currency():
        return Decimal(1)
    value = settings.TRANSACTION_FX_RATES.get(code)
    return None if value is None else Decimal(str(value))


def to_base(amount: Decimal, code: str, rates: dict[str, Decimal | None] | None = None) -> Decimal:
    """``amount`` of ``code`` in the base currency, rounded half-even to 0.01.

    Raises KeyError when the currency has no configured rate.
    """
    r = rates[code] if rates is not None and code in rates else rate(code)
    if r is None:
        raise KeyError(code)
    return (amount * r).quantize(CENT, rounding=ROUND_HALF_EVEN)


def format_amount(amount: Decimal | None, code: str) -> str:
    """``12,500.00`` — grouped, with the currency's own number of decimals."""
    if amount is None:
        return ""
    places = minor_units(code)
    return f"{amount:,.{places}f}"
