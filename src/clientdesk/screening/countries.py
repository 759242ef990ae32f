"""Country names as the lists write them, mapped to ISO 3166-1 alpha-2 codes.

Covers the names that occur in the OFAC and UN samples (OFAC's "Korea, North", "Burma",
"Congo, Democratic Republic of the", "Man, Isle of"; the UN's "Iran (Islamic Republic
of)", "United Republic of Tanzania", "State of Palestine", "Türkiye"), the usual short and
long forms of every UN member state, and a few demonyms. Lookup is case-, accent- and
punctuation-insensitive. Names that are not countries (``"na"``, ``"former Soviet Union"``)
map to nothing, and the loaders report them as unmapped.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ISO_CODES", "country_name", "to_iso2"]

# "CODE:Name|other name|other name" - the first name of a code's first line is its display
# name; a code may take several lines.
_TABLE = """
AD:Andorra
AE:United Arab Emirates|UAE|U.A.E.|Emirates
AF:Afghanistan|Afghan
AG:Antigua and Barbuda
AI:Anguilla
AL:Albania
AM:Armenia
AO:Angola
AR:Argentina
AT:Austria
AU:Australia
AW:Aruba
AZ:Azerbaijan
BA:Bosnia and Herzegovina|Bosnia-Herzegovina|Bosnia
BB:Barbados
BD:Bangladesh|Bangladeshi
BE:Belgium
BF:Burkina Faso
BG:Bulgaria
BH:Bahrain
BI:Burundi
BJ:Benin
BM:Bermuda
BN:Brunei|Brunei Darussalam
BO:Bolivia|Bolivia (Plurinational State of)
BR:Brazil
BS:Bahamas|The Bahamas|Bahamas, The
BT:Bhutan
BW:Botswana
BY:Belarus|Byelorussia
BZ:Belize
CA:Canada
CD:Democratic Republic of the Congo|Congo, Democratic Republic of the|DRC|DR Congo|Zaire
CF:Central African Republic|CAR
CG:Congo|Republic of the Congo|Congo, Republic of the|Congo-Brazzaville
CH:Switzerland|Swiss
CI:Cote d'Ivoire|Ivory Coast
CK:Cook Islands
CL:Chile
CM:Cameroon
CN:China|People's Republic of China|PRC|Chinese
CO:Colombia|Colombian
CR:Costa Rica
CU:Cuba|Cuban
CV:Cabo Verde|Cape Verde
CW:Curacao
CY:Cyprus
CZ:Czech Republic|Czechia
DE:Germany|German|Federal Republic of Germany
DJ:Djibouti
DK:Denmark
DM:Dominica
DO:Dominican Republic
DZ:Algeria|Algerian
EC:Ecuador
EE:Estonia
EG:Egypt|Egyptian
EH:Western Sahara
ER:Eritrea
ES:Spain|Spanish
ET:Ethiopia
FI:Finland
FJ:Fiji
FM:Micronesia|Micronesia, Federated States of|Micronesia (Federated States of)
FR:France|French
GA:Gabon
GB:United Kingdom|United Kingdom of Great Britain and Northern Ireland|UK|Great Britain
GB:Britain|British
GD:Grenada
GE:Georgia
GG:Guernsey
GH:Ghana
GI:Gibraltar
GM:Gambia|The Gambia|Gambia, The
GN:Guinea
GQ:Equatorial Guinea
GR:Greece
GT:Guatemala
GW:Guinea-Bissau
GY:Guyana
HK:Hong Kong|China, Hong Kong Special Administrative Region|Hong Kong SAR
HN:Honduras
HR:Croatia
HT:Haiti
HU:Hungary
ID:Indonesia|Indonesian
IE:Ireland
IL:Israel
IM:Isle of Man|Man, Isle of
IN:India|Indian|Bharat
IQ:Iraq|Iraqi
IR:Iran|Iran (Islamic Republic of)|Islamic Republic of Iran|Iranian
IS:Iceland
IT:Italy|Italian
JE:Jersey
JM:Jamaica
JO:Jordan|Jordanian
JP:Japan
KE:Kenya
KG:Kyrgyzstan|Kyrgyz Republic
KH:Cambodia
KI:Kiribati
KM:Comoros
KN:Saint Kitts and Nevis
KP:North Korea|Korea, North|Democratic People's Republic of Korea|DPRK
KP:Korea, Democratic People's Republic of
KR:South Korea|Korea, South|Republic of Korea|Korea, Republic of
KW:Kuwait|Kuwaiti
KY:Cayman Islands
KZ:Kazakhstan
LA:Laos|Lao People's Democratic Republic
LB:Lebanon|Lebanese
LC:Saint Lucia
LI:Liechtenstein
LK:Sri Lanka
LR:Liberia
LS:Lesotho
LT:Lithuania
LU:Luxembourg
LV:Latvia
LY:Libya|Libyan Arab Jamahiriya|Libyan
MA:Morocco|Moroccan
MC:Monaco
MD:Moldova|Republic of Moldova
ME:Montenegro
MG:Madagascar
MH:Marshall Islands
MK:North Macedonia|Macedonia|The former Yugoslav Republic of Macedonia
ML:Mali
MM:Burma|Myanmar
MN:Mongolia
MO:Macau|Macao|China, Macao Special Administrative Region
MR:Mauritania
MT:Malta
MU:Mauritius
MV:Maldives
MW:Malawi
MX:Mexico|Mexican
MY:Malaysia|Malaysian
MZ:Mozambique
NA:Namibia
NE:Niger
NG:Nigeria|Nigerian
NI:Nicaragua
NL:Netherlands|The Netherlands|Holland
NO:Norway
NP:Nepal
NR:Nauru
NZ:New Zealand
OM:Oman
PA:Panama
PE:Peru
PG:Papua New Guinea
PH:Philippines|The Philippines|Filipino
PK:Pakistan|Pakistani
PL:Poland
PS:State of Palestine|Palestine|Palestinian|Palestinian Territories|West Bank|Gaza
PS:Gaza Strip|Region: Gaza
PT:Portugal
PW:Palau
PY:Paraguay
QA:Qatar
RO:Romania
RS:Serbia
RU:Russia|Russian Federation|The Russian Federation|Russian
RW:Rwanda
SA:Saudi Arabia|Saudi
SB:Solomon Islands
SC:Seychelles
SD:Sudan|Sudanese
SE:Sweden
SG:Singapore
SI:Slovenia
SK:Slovakia
SL:Sierra Leone
SM:San Marino
SN:Senegal
SO:Somalia|Somali
SR:Suriname
SS:South Sudan
ST:Sao Tome and Principe
SV:El Salvador
SY:Syria|Syrian Arab Republic|Syrian
SZ:Eswatini|Swaziland
TD:Chad
TG:Togo
TH:Thailand
TJ:Tajikistan
TL:Timor-Leste|East Timor
TM:Turkmenistan
TN:Tunisia|Tunisian
TO:Tonga
TR:Turkey|Turkiye|Republic of Turkiye|Turkish
TT:Trinidad and Tobago
TV:Tuvalu
TW:Taiwan
TZ:Tanzania|United Republic of Tanzania
UA:Ukraine|Ukrainian
UG:Uganda
US:United States|United States of America|USA|U.S.A.|US|U.S.|America|American
UY:Uruguay
UZ:Uzbekistan
VA:Holy See|Vatican City
VC:Saint Vincent and the Grenadines
VE:Venezuela|Venezuela (Bolivarian Republic of)|Bolivarian Republic of Venezuela|Venezuelan
VG:Virgin Islands, British|British Virgin Islands|BVI
VI:Virgin Islands, U.S.|United States Virgin Islands
VN:Vietnam|Viet Nam
VU:Vanuatu
WS:Samoa
XK:Kosovo
YE:Yemen|Yemeni
ZA:South Africa
ZM:Zambia
ZW:Zimbabwe
"""


def _key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive lookup key."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _build() -> tuple[dict[str, str], dict[str, str]]:
    by_name: dict[str, str] = {}
    display: dict[str, str] = {}
    for line in _TABLE.strip().splitlines():
        code, names = line.split(":", 1)
        aliases = names.split("|")
        display.setdefault(code, aliases[0])
        for alias in aliases:
            by_name[_key(alias)] = code
    return by_name, display


_BY_NAME, _DISPLAY = _build()

#: Every ISO 3166-1 alpha-2 code this module knows (plus XK, Kosovo's user-assigned code).
ISO_CODES: frozenset[str] = frozenset(_DISPLAY)


def to_iso2(value: str | None) -> str | None:
    """``"Korea, North"`` -> ``"KP"``, ``"in"`` -> ``"IN"``; ``None`` when not a known country.

    A two-letter input is taken as a code when it is one; otherwise names, long forms and
    the listed demonyms are looked up. Leading "the" is ignored.
    """
    if not value:
        return None
    key = _key(value)
    if len(key) == 2 and key.upper() in ISO_CODES:
        return key.upper()
    code = _BY_NAME.get(key)
    if code is None and key.startswith("the "):
        code = _BY_NAME.get(key[4:])
    return code


def country_name(code: str) -> str:
    """Display name of an ISO code (the code itself when unknown)."""
    return _DISPLAY.get(code.upper(), code)
