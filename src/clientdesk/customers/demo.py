"""Demo data for ``seed_demo``: realistic, deterministic and fast to generate.

- The same ``--seed`` gives the same customer for the same client-ID number: every row is
  drawn from ``random.Random`` seeded with (seed, number) and from pools built once with
  ``Faker.seed_instance(seed)``, so batch size and worker count do not change the data.
- Mobile, email, PAN and Aadhaar are unique by construction: each is a bijection of the
  client-ID number (which comes from the gap-free ``client_id`` counter and so is never
  reused), scrambled so neighbouring customers do not get neighbouring values. Two cases
  fall back to random values: a mobile number landing in an unallocated sub-range (about 1
  in 7,000), and a row whose values a customer entered by hand already holds (the writer
  finds those when the database refuses the batch, and draws the row again with
  ``attempt`` > 0). The unique constraints catch any clash, and the writer retries.
- Every value passes the validators the services use (``clientdesk.core.validators``), so a
  demo customer can be edited in the UI without tripping over its own data. Phone numbers
  are valid for their region per ``phonenumbers``; email addresses use the reserved
  ``.example`` top-level domain so that nothing is ever sent to a real mailbox.
- Sensitive values are encrypted here (``crypto.encrypt``) and keyed hashes computed exactly
  as ``customers.services._apply`` does, so the rows can be written with COPY or, wrapped
  in ``Value``, with ``bulk_create`` without the fields encrypting a second time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import os
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import phonenumbers
from faker import Faker
from phonenumbers import PhoneNumberType
from phonenumbers.phonemetadata import PhoneMetadata
from stdnum import luhn, verhoeff

from clientdesk.core.crypto import encrypt, keyed_hash

# --- demo users --------------------------------------------------------------------------

DEFAULT_DEMO_PASSWORD = "clientdesk-demo"  # noqa: S105 - public demo password, documented


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # accounts.Role slug
    first_name: str
    last_name: str
    is_staff: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("sales", "sales", "Rohan", "Mehta"),
    DemoUser("sales2", "sales", "Ananya", "Iyer"),
    DemoUser("support", "support", "Farhan", "Qureshi"),
    DemoUser("manager", "manager", "Kavita", "Rao"),
    DemoUser("compliance", "compliance", "Vikram", "Nair"),
    DemoUser("dpo", "dpo", "Leela", "Menon"),
    DemoUser("admin", "admin", "Meera", "Joshi", is_staff=True),
)
SALES_USERNAMES = tuple(u.username for u in DEMO_USERS if u.role == "sales")


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def ensure_demo_users(password: str) -> tuple[dict[str, Any], list[str]]:
    """Create the missing demo users (one audit record each); leave existing ones alone.

    Returns (username -> user for every demo user, usernames created now).
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.exceptions import ImproperlyConfigured
    from django.db import transaction

    from clientdesk.accounts.models import Role
    from clientdesk.core import audit

    user_model = get_user_model()
    roles = {r.slug: r for r in Role.objects.filter(slug__in={u.role for u in DEMO_USERS})}
    missing = sorted({u.role for u in DEMO_USERS} - set(roles))
    if missing:
        raise ImproperlyConfigured(
            f"Roles {', '.join(missing)} do not exist; run `manage.py migrate` first."
        )
    users: dict[str, Any] = {}
    created: list[str] = []
    hashed = ""  # one hash for the shared demo password: hashing is slow on purpose
    for spec in DEMO_USERS:
        user = user_model.objects.filter(username=spec.username).first()
        if user is None:
            hashed = hashed or make_password(password)
            with transaction.atomic():
                user = user_model(
                    username=spec.username,
                    password=hashed,
                    email=f"{spec.username}@clientdesk.example",
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    role=roles[spec.role],
                    is_staff=spec.is_staff,
                )
                user.save()
                audit.record(
                    actor=None, action="create", target=user,
                    changes={"username": {"old": None, "new": spec.username},
                             "role": {"old": None, "new": spec.role}},
                )  # fmt: skip
            created.append(spec.username)
        users[spec.username] = user
    return users, created


# --- columns -----------------------------------------------------------------------------

#: The Customer attributes a generated row holds, in order. Everything else (``id`` and any
#: field added later) gets the model's default.
COLUMNS: tuple[str, ...] = (
    "client_id", "first_name", "last_name", "search_name", "date_of_birth", "gender",
    "marital_status", "mobile", "alt_mobile", "email", "address_line", "city", "state",
    "postal_code", "country", "id_type", "id_number", "id_number_hash", "pan", "pan_hash",
    "aadhaar", "aadhaar_hash", "bank_account_number", "bank_ifsc", "bank_name", "income_band",
    "occupation", "source_of_funds", "status", "assigned_to_id", "created_by_id", "created_at",
    "account_opened_at", "account_activated_at", "last_activity_at", "updated_at",
)  # fmt: skip
ENCRYPTED_COLUMNS = frozenset(
    {"date_of_birth", "pan", "aadhaar", "id_number", "bank_account_number"}
)
COL = {name: i for i, name in enumerate(COLUMNS)}
UNIQUE_COLUMNS = ("mobile", "email", "pan_hash", "aadhaar_hash")


# --- small helpers -----------------------------------------------------------------------


class Permutation:
    """A bijection of ``range(size)`` (an affine map), so distinct inputs never collide."""

    def __init__(self, size: int, salt: int) -> None:
        self.size = size
        a = 0x9E3779B97F4A7C15 + 2 * salt  # odd: golden-ratio constant
        while math.gcd(a, size) != 1:
            a += 2
        self.a = a % size
        self.b = (salt * 0x632BE59BD9B4E019) % size

    def __call__(self, x: int) -> int:
        if not 0 <= x < self.size:
            raise ValueError(f"demo data supports numbers below {self.size:,}; got {x:,}")
        return (self.a * x + self.b) % self.size


class Choice:
    """A weighted choice with the cumulative weights computed once."""

    def __init__(self, table: Sequence[tuple[Any, float]]) -> None:
        self.values = [value for value, _ in table]
        self.cum_weights = list(itertools.accumulate(weight for _, weight in table))
        self.total = self.cum_weights[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect(self.cum_weights, rng.random() * self.total)]


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --- reference data ----------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(","))


# fmt: off
# city, state, PIN prefix (3 digits), vehicle-registration state code, naming region, weight
IN_CITIES: tuple[tuple[str, str, str, str, str, float], ...] = (
    ("Mumbai", "Maharashtra", "400", "MH", "west", 9),
    ("Pune", "Maharashtra", "411", "MH", "west", 5),
    ("Nagpur", "Maharashtra", "440", "MH", "west", 2),
    ("Nashik", "Maharashtra", "422", "MH", "west", 1),
    ("Thane", "Maharashtra", "400", "MH", "west", 2),
    ("New Delhi", "Delhi", "110", "DL", "north", 9),
    ("Gurugram", "Haryana", "122", "HR", "north", 3),
    ("Faridabad", "Haryana", "121", "HR", "north", 1),
    ("Noida", "Uttar Pradesh", "201", "UP", "north", 2),
    ("Lucknow", "Uttar Pradesh", "226", "UP", "north", 3),
    ("Kanpur", "Uttar Pradesh", "208", "UP", "north", 1.5),
    ("Varanasi", "Uttar Pradesh", "221", "UP", "north", 1),
    ("Agra", "Uttar Pradesh", "282", "UP", "north", 1),
    ("Bengaluru", "Karnataka", "560", "KA", "south", 9),
    ("Mysuru", "Karnataka", "570", "KA", "south", 1),
    ("Mangaluru", "Karnataka", "575", "KA", "south", 1),
    ("Chennai", "Tamil Nadu", "600", "TN", "south", 6),
    ("Coimbatore", "Tamil Nadu", "641", "TN", "south", 2),
    ("Madurai", "Tamil Nadu", "625", "TN", "south", 1),
    ("Hyderabad", "Telangana", "500", "TS", "south", 6),
    ("Warangal", "Telangana", "506", "TS", "south", 0.5),
    ("Visakhapatnam", "Andhra Pradesh", "530", "AP", "south", 1.5),
    ("Vijayawada", "Andhra Pradesh", "520", "AP", "south", 1),
    ("Kolkata", "West Bengal", "700", "WB", "east", 6),
    ("Howrah", "West Bengal", "711", "WB", "east", 1),
    ("Ahmedabad", "Gujarat", "380", "GJ", "west", 4),
    ("Surat", "Gujarat", "395", "GJ", "west", 2.5),
    ("Vadodara", "Gujarat", "390", "GJ", "west", 1.5),
    ("Rajkot", "Gujarat", "360", "GJ", "west", 1),
    ("Jaipur", "Rajasthan", "302", "RJ", "north", 3),
    ("Jodhpur", "Rajasthan", "342", "RJ", "north", 1),
    ("Udaipur", "Rajasthan", "313", "RJ", "north", 0.5),
    ("Chandigarh", "Chandigarh", "160", "CH", "punjab", 1.5),
    ("Ludhiana", "Punjab", "141", "PB", "punjab", 1.5),
    ("Amritsar", "Punjab", "143", "PB", "punjab", 1),
    ("Bhopal", "Madhya Pradesh", "462", "MP", "north", 1.5),
    ("Indore", "Madhya Pradesh", "452", "MP", "north", 2),
    ("Patna", "Bihar", "800", "BR", "east", 2),
    ("Bhubaneswar", "Odisha", "751", "OD", "east", 1.5),
    ("Kochi", "Kerala", "682", "KL", "kerala", 2),
    ("Thiruvananthapuram", "Kerala", "695", "KL", "kerala", 1.5),
    ("Kozhikode", "Kerala", "673", "KL", "kerala", 1),
    ("Guwahati", "Assam", "781", "AS", "east", 1.5),
    ("Ranchi", "Jharkhand", "834", "JH", "east", 1),
    ("Raipur", "Chhattisgarh", "492", "CG", "north", 1),
    ("Dehradun", "Uttarakhand", "248", "UK", "north", 1),
    ("Panaji", "Goa", "403", "GA", "goa", 0.7),
    ("Srinagar", "Jammu and Kashmir", "190", "JK", "muslim", 0.5),
    ("Shimla", "Himachal Pradesh", "171", "HP", "north", 0.5),
)
# fmt: on

IN_MALE = {
    "common": _words(
        "Aarav Aditya Ajay Akash Amit Anand Anil Ankit Arjun Arun Ashok Deepak Dev Gaurav Harish "
        "Karan Krishna Kunal Manish Manoj Mohan Mukesh Nikhil Nitin Pankaj Pradeep Prakash Pranav "
        "Prashant Rahul Rajesh Rakesh Ramesh Ravi Rohit Sachin Sanjay Sandeep Saurabh Siddharth "
        "Sunil Suresh Tarun Varun Vijay Vikram Vinod Vishal Yash Abhishek Harsh Ishaan Kabir "
        "Vivaan Aryan Dhruv Shreyas Prateek Pritam Prithvi Mayank Ritesh Alok Vivek"
    ),
    "south": _words(
        "Venkatesh Srinivas Balaji Karthik Senthil Murali Ganesh Naveen Raghav Sai Suriya Arvind "
        "Vignesh Prasanna Harikrishnan Kumaran Kumaraswamy Sathish Dinesh Ramakrishna Mahesh "
        "Praveen Srikanth"
    ),
    "east": _words(
        "Sourav Arnab Debashish Partha Sandip Subhash Anirban Indranil Sayan Tanmay Biswajit "
        "Soumya Pritam Abhijit Rajat"
    ),
    "punjab": _words(
        "Gurpreet Harpreet Manpreet Jaspreet Amarjeet Harjeet Kuldeep Baljeet Navdeep Sukhwinder "
        "Jaskaran Inderjit Paramjit"
    ),
    "muslim": _words(
        "Mohammed Imran Faisal Salman Irfan Farhan Anwar Aamir Zaid Arif Javed Rizwan Shahid Tariq "
        "Yusuf Asif Nadeem"
    ),
    "christian": _words(
        "Joseph Thomas John George Jacob Mathew Anthony Francis Sebastian Aloysius Joel Richard "
        "Peter"
    ),
}
IN_FEMALE = {
    "common": _words(
        "Aanya Aditi Aishwarya Ananya Anjali Ankita Anita Aparna Archana Asha Bhavna Deepa Deepika "
        "Divya Gauri Geeta Isha Jyoti Kavita Kavya Kirti Madhuri Meena Megha Neha Nisha Pooja "
        "Prachi Preeti Priya Priyanka Radha Rashmi Rekha Ritu Sakshi Sangeeta Sapna Shalini Shreya "
        "Shruti Simran Sneha Sonal Sunita Swati Tanvi Usha Vandana Vidya Aarohi Diya Ira Myra "
        "Saanvi Anushka Riya Tanya Nandini Priti Pragya Kumari Komal Mansi"
    ),
    "south": _words(
        "Lakshmi Revathi Lavanya Padma Meenakshi Sowmya Keerthi Divya Sindhu Harini Bhavani Sahana "
        "Pavithra Gayathri Kumudha Anusha"
    ),
    "east": _words(
        "Moumita Sreya Payel Rituparna Sharmistha Debjani Ishita Tanushree Ankita Puja Madhumita "
        "Sudeshna"
    ),
    "punjab": _words(
        "Harleen Gurleen Simranjeet Navneet Manjeet Jasleen Rupinder Kirandeep Amrit Baljinder"
    ),
    "muslim": _words(
        "Fatima Ayesha Zoya Sana Nazia Rukhsar Farah Shabnam Heena Nargis Amina Saba Zainab"
    ),
    "christian": _words(
        "Mary Anna Maria Rebecca Sarah Teresa Elizabeth Grace Susan Rose Jessica Annie"
    ),
}
IN_SURNAMES = {
    "north": _words(
        "Sharma Verma Gupta Singh Kumar Yadav Agarwal Mishra Pandey Tiwari Chauhan Malhotra Kapoor "
        "Khanna Arora Bhatia Saxena Srivastava Jain Goyal Mehra Sethi Chopra Bansal Mittal Rathore "
        "Thakur Dubey Shukla Tripathi Chaudhary Garg Sinha Rastogi"
    ),
    "west": _words(
        "Patil Deshmukh Joshi Kulkarni Shinde Pawar Jadhav Gaikwad Deshpande Chavan More Patel "
        "Shah Mehta Desai Parikh Modi Trivedi Bhatt Pandya Naik Sawant Kumbhar"
    ),
    "south": _words(
        "Reddy Rao Naidu Iyer Iyengar Krishnan Subramanian Srinivasan Raman Hegde Shetty Gowda "
        "Kamath Pai Chowdary Venkatesan Murthy Rajan Balasubramanian Kumar Ramaswamy Natarajan"
    ),
    "kerala": _words(
        "Nair Menon Pillai Kurup Namboodiri Varghese Kurian Panicker Warrier Kumar Thomas Nambiar"
    ),
    "east": _words(
        "Banerjee Chatterjee Mukherjee Das Bose Ghosh Sen Dutta Roy Chakraborty Bhattacharya "
        "Sarkar Mohanty Patnaik Pradhan Sahoo Barua Gogoi Kalita Jha Prasad Mahato"
    ),
    "punjab": _words("Singh Gill Sandhu Dhillon Grewal Sidhu Bajwa Randhawa Sekhon Kaur"),
    "muslim": _words(
        "Khan Sheikh Ansari Qureshi Siddiqui Syed Shaikh Pathan Mirza Hussain Ahmed Rizvi Lone Bhat"
    ),
    "goa": _words("D'Souza Fernandes Pereira Rodrigues Pinto Gomes Naik Kamat Sawant Desai"),
    "christian": _words(
        "D'Souza Fernandes Pereira Thomas Joseph Mathew George Varghese Kurian Pinto"
    ),
}

# naming region -> weighted first-name pools; the surname pool is IN_SURNAMES[region]
_REGION_FIRST = {
    "north": Choice((("common", 1.0),)),
    "west": Choice((("common", 1.0),)),
    "south": Choice((("south", 0.6), ("common", 0.4))),
    "kerala": Choice((("south", 0.5), ("common", 0.5))),
    "east": Choice((("east", 0.5), ("common", 0.5))),
    "punjab": Choice((("punjab", 0.7), ("common", 0.3))),
    "goa": Choice((("christian", 0.5), ("common", 0.5))),
    "muslim": Choice((("muslim", 1.0),)),
    "christian": Choice((("christian", 1.0),)),
}
IN_REGIONS = ("north", "west", "south", "east", "kerala", "punjab")

# fmt: off
# (name, IFSC prefix, account number length)
IN_BANKS = (
    ("State Bank of India", "SBIN", 11), ("HDFC Bank", "HDFC", 14), ("ICICI Bank", "ICIC", 12),
    ("Axis Bank", "UTIB", 15), ("Kotak Mahindra Bank", "KKBK", 10),
    ("Punjab National Bank", "PUNB", 16), ("Bank of Baroda", "BARB", 14),
    ("Canara Bank", "CNRB", 13), ("Union Bank of India", "UBIN", 15),
    ("IndusInd Bank", "INDB", 12), ("Yes Bank", "YESB", 15), ("IDFC FIRST Bank", "IDFB", 11),
    ("Federal Bank", "FDRL", 14), ("Indian Bank", "IDIB", 10),
)
# public routing (ABA) numbers of large US banks
US_BANKS = (
    ("JPMorgan Chase Bank", "021000021"), ("Bank of America", "026009593"),
    ("Wells Fargo Bank", "121000248"), ("Citibank", "021000089"),
)
# occupation, usual source of funds, weight
OCCUPATIONS = (
    ("Software engineer", "salary", 9), ("Teacher", "salary", 5), ("Doctor", "business", 3),
    ("Chartered accountant", "business", 2), ("Government employee", "salary", 6),
    ("Bank officer", "salary", 3), ("Business owner", "business", 8),
    ("Shopkeeper", "business", 5), ("Farmer", "business", 4), ("Homemaker", "other", 6),
    ("Retired", "pension", 6), ("Student", "other", 2), ("Sales executive", "salary", 4),
    ("Consultant", "business", 3), ("Lawyer", "business", 1.5), ("Nurse", "salary", 2),
    ("Civil engineer", "salary", 2), ("Self-employed", "business", 5),
    ("Architect", "business", 1), ("Pharmacist", "salary", 1), ("Driver", "salary", 2),
    ("Electrician", "business", 1), ("Marketing manager", "salary", 2),
    ("Data analyst", "salary", 2), ("Investor", "investments", 1), ("Professor", "salary", 1),
    ("Police officer", "salary", 1), ("Army officer", "salary", 1),
    ("Journalist", "salary", 0.5), ("Real estate agent", "business", 1),
    ("Trader", "business", 2), ("Restaurant owner", "business", 1),
)
# fmt: on
OCCUPATION = Choice([((name, source), weight) for name, source, weight in OCCUPATIONS])

STATUS = Choice((("active", 78), ("pending", 9), ("suspended", 5), ("blocked", 3), ("closed", 5)))
GENDER = Choice((("male", 52), ("female", 46), ("other", 0.5), ("", 1.5)))
MARITAL = Choice(
    (("married", 55), ("single", 35), ("widowed", 4), ("divorced", 3), ("separated", 1), ("", 2))
)
INCOME = Choice(
    (("below_1l", 8), ("1l_5l", 30), ("5l_10l", 27), ("10l_25l", 22), ("25l_1cr", 9),
     ("above_1cr", 2), ("", 2))
)  # fmt: skip
ID_TYPE_IN = Choice(
    (("aadhaar", 35), ("pan", 25), ("voter_id", 15), ("driving_licence", 15), ("passport", 10))
)

# Residents abroad: country, Faker locale for streets and local names, weight (India: 85)
ABROAD = (("AE", None, 5), ("GB", "en_GB", 3), ("US", "en_US", 3), ("SG", None, 1.5),
          ("CA", "en_CA", 1.5), ("AU", "en_AU", 1))  # fmt: skip
INDIA_WEIGHT = 85

# fmt: off
# city, state/region, postal-code start (its meaning depends on the country: see _address)
ABROAD_CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "AE": (("Dubai", "Dubai", ""), ("Abu Dhabi", "Abu Dhabi", ""), ("Sharjah", "Sharjah", ""),
           ("Ajman", "Ajman", ""), ("Al Ain", "Abu Dhabi", "")),
    "GB": (("London", "Greater London", "E"), ("London", "Greater London", "HA"),
           ("Leicester", "Leicestershire", "LE"), ("Birmingham", "West Midlands", "B"),
           ("Manchester", "Greater Manchester", "M"), ("Slough", "Berkshire", "SL"),
           ("Leeds", "West Yorkshire", "LS")),
    "US": (("Edison", "NJ", "088"), ("Jersey City", "NJ", "073"), ("Fremont", "CA", "945"),
           ("San Jose", "CA", "951"), ("Houston", "TX", "770"), ("Irving", "TX", "750"),
           ("Chicago", "IL", "606"), ("New York", "NY", "100"), ("Seattle", "WA", "981")),
    "SG": (("Singapore", "", ""),),
    "CA": (("Toronto", "ON", "M"), ("Brampton", "ON", "L"), ("Mississauga", "ON", "L"),
           ("Vancouver", "BC", "V"), ("Surrey", "BC", "V"), ("Calgary", "AB", "T")),
    "AU": (("Sydney", "NSW", "2"), ("Melbourne", "VIC", "3"), ("Brisbane", "QLD", "4"),
           ("Perth", "WA", "6")),
}
AE_AREAS = _phrases(
    "Al Barsha, Jumeirah Lake Towers, Business Bay, Deira, Bur Dubai, Dubai Marina, Al Nahda, "
    "Karama, Al Reem Island, Khalifa City, Al Majaz, Al Taawun, International City, "
    "Discovery Gardens"
)
AE_BUILDINGS = _phrases(
    "Marina Heights, Al Fattan, Palm View, Silver Sands, Crescent, Emerald, Golden Sands, "
    "Lake Shore, Al Noor, Sky Gardens"
)
SG_STREETS = _phrases(
    "Ang Mo Kio Avenue 3, Tampines Street 21, Jurong West Street 52, Bedok North Road, "
    "Serangoon Avenue 2, Woodlands Drive 14, Clementi Avenue 4, Toa Payoh Lorong 1, "
    "Punggol Field, Yishun Ring Road"
)
# local names (male, female, surnames) where Faker has no English-script locale
AE_NAMES = (
    _words("Mohammed Ahmed Khalid Omar Saeed Rashid Sultan Abdullah Yousef Hamad Majid Faisal"),
    _words("Fatima Aisha Mariam Noura Hessa Latifa Shamma Maitha Reem Sara"),
    _phrases("Al Mansoori, Al Mazrouei, Al Shamsi, Al Suwaidi, Al Ketbi, Al Dhaheri, Al Falasi, "
             "Al Hammadi, Al Zaabi, Al Marzooqi, Haddad, Nasser, Saleh"),
)
SG_NAMES = (
    _phrases("Wei Ming, Kok Wai, Jun Jie, Zhi Hao, Boon Kiat, Chee Keong, Hafiz, Irfan"),
    _phrases("Jia Hui, Siew Ling, Hui Min, Xin Yi, Mei Ling, Shu Fen, Nurul, Siti"),
    _words("Tan Lim Lee Ng Ong Wong Goh Chua Teo Koh Rahman Ismail"),
)
# fmt: on
EMAIL_STYLE = Choice(
    (("dot", 40), ("plain", 20), ("underscore", 10), ("initial", 10), ("first", 20))
)
# Reserved .example domains (RFC 2606): demo data never reaches a real mailbox.
EMAIL_DOMAINS_IN = Choice(
    (("gmail.example", 50), ("yahoo.example", 14), ("outlook.example", 10),
     ("rediffmail.example", 8), ("hotmail.example", 6), ("icloud.example", 4),
     ("mail.example", 8))
)  # fmt: skip
EMAIL_DOMAINS_ABROAD = Choice(
    (("gmail.example", 45), ("outlook.example", 20), ("yahoo.example", 10),
     ("icloud.example", 15), ("mail.example", 10))
)  # fmt: skip


# --- phone plans -------------------------------------------------------------------------

_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def is_valid_mobile(e164: str, region: str) -> bool:
    """A valid mobile number of ``region`` per ``phonenumbers`` (slow: ~50 µs)."""
    parsed = phonenumbers.parse(e164)
    return phonenumbers.is_valid_number_for_region(parsed, region) and (
        phonenumbers.number_type(parsed) in _MOBILE_TYPES
    )


@cache
def mobile_checker(region: str) -> Callable[[str], bool]:
    """The same test as ``is_valid_mobile`` on a national number, ~50x faster: the
    region's own ``phonenumbers`` metadata patterns, checked in the library's order (a
    number matching an earlier type, such as a pager, is not a mobile)."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        raise ValueError(f"No phone metadata for region {region}")

    def pattern(desc: Any) -> re.Pattern[str] | None:
        return (
            re.compile(desc.national_number_pattern)
            if desc and desc.national_number_pattern
            else None
        )

    general, mobile = pattern(meta.general_desc), pattern(meta.mobile)
    assert general is not None and mobile is not None
    earlier = [
        p for p in map(pattern, (meta.premium_rate, meta.toll_free, meta.shared_cost, meta.voip,
                                 meta.personal_number, meta.pager, meta.uan, meta.voicemail))
        if p is not None
    ]  # fmt: skip

    def check(national: str) -> bool:
        return bool(general.fullmatch(national) and mobile.fullmatch(national)) and not any(
            p.fullmatch(national) for p in earlier
        )

    return check


@dataclass(frozen=True)
class PhonePlan:
    """Mobile numbers of one country: leading digits known to be mobile + N free digits.

    ``number(x)`` is a bijection of ``range(size)``. The leading digits are checked at a few
    sample numbers only and some blocks hold unallocated sub-ranges, so callers still check
    each number (``valid``)."""

    region: str
    country_code: str
    prefixes: tuple[str, ...]
    free_digits: int

    @property
    def size(self) -> int:
        return len(self.prefixes) * 10**self.free_digits

    def national(self, x: int) -> str:
        prefix, rest = divmod(x, 10**self.free_digits)
        return f"{self.prefixes[prefix]}{rest:0{self.free_digits}d}"

    def valid(self, national: str) -> bool:
        return mobile_checker(self.region)(national)


def _plan(region: str, code: str, candidates: Sequence[str], free: int) -> PhonePlan:
    samples = ("0" * free, "9" * free, ("5072" * 5)[:free])
    check = mobile_checker(region)
    prefixes = tuple(p for p in candidates if all(check(f"{p}{s}") for s in samples))
    return PhonePlan(region, code, prefixes, free)


_NANP_AREA_CODES = {
    "US": ("201", "212", "281", "312", "408", "415", "469", "510", "646", "650", "713", "732",
           "908", "917", "972"),
    "CA": ("416", "647", "905", "604", "778", "403", "587", "514", "613", "289"),
}  # fmt: skip


@cache
def phone_plan(region: str) -> PhonePlan:
    if region == "IN":  # +91 [6-9]XXXXXXXXX
        return _plan("IN", "91", [str(p) for p in range(6000, 10000)], 6)
    if region in _NANP_AREA_CODES:  # area code + exchange (200-999, no N11, no 555) + 4 digits
        candidates = [f"{npa}{nxx}" for npa in _NANP_AREA_CODES[region]
                      for nxx in range(200, 1000) if nxx % 100 != 11 and nxx != 555]  # fmt: skip
        return _plan(region, "1", candidates, 4)
    code, candidates, free = {
        "AE": ("971", [f"5{d}" for d in range(10)], 7),
        "GB": ("44", [f"7{d:03d}" for d in range(1000)], 6),
        "SG": ("65", [f"{a}{b}" for a in "89" for b in range(10)], 6),
        "AU": ("61", [f"4{d:02d}" for d in range(100)], 6),
    }[region]
    return _plan(region, code, candidates, free)


# --- the generator -----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every row needs besides its number; picklable for the worker processes."""

    seed: int
    now: dt.datetime
    sales_user_ids: tuple[int, ...]
    client_id_prefix: str


class DemoGenerator:
    """``row(n)`` -> one customer tuple (``COLUMNS`` order) for client-ID number ``n``."""

    HISTORY_DAYS = 3 * 365

    def __init__(self, ctx: Context) -> None:
        if not ctx.sales_user_ids:
            raise ValueError("At least one sales user is needed to assign customers to.")
        self.ctx = ctx
        self.today = ctx.now.date()
        self.countries = Choice((("IN", INDIA_WEIGHT), *((c, w) for c, _, w in ABROAD)))
        self.locales = {c: loc for c, loc, _ in ABROAD}
        self.plans = {c: phone_plan(c) for c in self.countries.values}
        self.mobile_perm = {
            c: Permutation(p.size, salt=i + 1) for i, (c, p) in enumerate(self.plans.items())
        }
        self.alt_perm = {
            c: Permutation(p.size, salt=i + 101) for i, (c, p) in enumerate(self.plans.items())
        }
        self.pan_perm = Permutation(26**3 * 9999 * 26, salt=7)
        self.aadhaar_perm = Permutation(8 * 10**5 * 9 * 10**4, salt=11)
        self.passport_perm = Permutation(26 * 10**7, salt=13)
        self.voter_perm = Permutation(26**3 * 10**7, salt=17)
        self.licence_perm = Permutation(10**11, salt=19)
        self.foreign_id_perm = Permutation(10**7, salt=23)
        self._build_pools(ctx.seed)

    # Faker is slow per call, so it fills pools once (seeded) and rows pick from them.
    def _build_pools(self, seed: int) -> None:
        def fakers(locale: str) -> Faker:
            fake = Faker(locale)
            fake.seed_instance(seed)
            return fake

        fake_in = fakers("en_IN")
        self.streets: dict[str, list[str]] = {
            "IN": [self._one_line(fake_in.street_address()) for _ in range(3000)]
        }
        self.local_names: dict[str, tuple[list[str], list[str], list[str]]] = {}
        for country, locale in self.locales.items():
            if locale is None:
                continue
            fake = fakers(locale)
            self.streets[country] = [self._one_line(fake.street_address()) for _ in range(800)]
            self.local_names[country] = (
                sorted({fake.first_name_male() for _ in range(600)}),
                sorted({fake.first_name_female() for _ in range(600)}),
                sorted({fake.last_name() for _ in range(900)}),
            )
        self.local_names["AE"] = tuple(list(x) for x in AE_NAMES)  # type: ignore[assignment]
        self.local_names["SG"] = tuple(list(x) for x in SG_NAMES)  # type: ignore[assignment]
        self.foreign_jobs = sorted({fakers("en_GB").job() for _ in range(400)})
        self.in_cities = Choice([(c[:5], c[5]) for c in IN_CITIES])

    @staticmethod
    def _one_line(address: str) -> str:
        return ", ".join(part.strip() for part in address.splitlines() if part.strip())[:255]

    def rows(self, first: int, count: int) -> list[tuple[Any, ...]]:
        return [self.row(n) for n in range(first, first + count)]

    def row(self, n: int, attempt: int = 0) -> tuple[Any, ...]:
        rng = random.Random(f"{self.ctx.seed}/{n}")
        # Unique values: a bijection of n at attempt 0, random after a clash.
        uniq = random.Random(f"{self.ctx.seed}/{n}/{attempt}") if attempt else None
        country = self.countries.pick(rng)
        gender = GENDER.pick(rng)
        # Most customers abroad are non-resident Indians (NRIs).
        nri = country != "IN" and rng.random() < (0.75 if country == "AE" else 0.6)
        if country == "IN":
            city, state, pin3, state_code, region = self.in_cities.pick(rng)
            if rng.random() < 0.12:  # people move: a name from anywhere in India
                region = rng.choice(IN_REGIONS)
            if rng.random() < 0.10:
                region = "muslim"
            elif rng.random() < 0.025:
                region = "christian"
            first, last = self._indian_name(rng, region, gender)
        else:
            city, state, pin3 = rng.choice(ABROAD_CITIES[country])
            state_code = ""
            if nri:
                first, last = self._indian_name(rng, rng.choice(IN_REGIONS), gender)
            else:
                males, females, surnames = self.local_names[country]
                pool = (
                    females
                    if gender == "female" or (gender != "male" and rng.random() < 0.5)
                    else males
                )
                first, last = rng.choice(pool), rng.choice(surnames)

        mobile = self._mobile(country, n, uniq)
        alt_mobile = ""
        if rng.random() < 0.22:
            alt_country = "IN" if nri and rng.random() < 0.7 else country
            plan = self.plans[alt_country]
            alt = plan.national(self.alt_perm[alt_country](n))
            if plan.valid(alt) and f"+{plan.country_code}{alt}" != mobile:
                alt_mobile = f"+{plan.country_code}{alt}"
        email = self._email(rng, first, last, country, n, uniq) if rng.random() < 0.93 else ""

        created, opened, activated, last_activity, status = self._timeline(rng)
        dob = self._dob(rng, created.date())
        address_line, postal_code = self._address(rng, country, pin3)

        pan = aadhaar = ""
        if country == "IN" or nri:
            if rng.random() < (0.93 if country == "IN" else 0.6):
                pan = self._pan(last, n, uniq)
            if rng.random() < (0.88 if country == "IN" else 0.3):
                aadhaar = self._aadhaar(n, uniq)
        id_type, id_number = self._identity(rng, country, nri, n, pan, aadhaar, dob, state_code)

        bank_account = bank_ifsc = bank_name = ""
        if rng.random() < 0.88:
            if country == "US" and not nri and rng.random() < 0.8:
                bank_name, bank_ifsc = rng.choice(US_BANKS)
                bank_account = self._digits(rng, rng.randint(9, 12))
            elif country == "IN" or nri:
                bank_name, ifsc4, length = rng.choice(IN_BANKS)
                bank_ifsc = f"{ifsc4}0{rng.randint(1, 999999):06d}"
                bank_account = self._digits(rng, length)

        occupation, source = OCCUPATION.pick(rng)
        if country != "IN" and not nri:
            occupation = rng.choice(self.foreign_jobs)[:100]
        if rng.random() < 0.05:
            source = rng.choice(("investments", "inheritance", "other"))
        income = INCOME.pick(rng)
        if occupation in ("Student", "Homemaker") and income not in ("", "below_1l", "1l_5l"):
            income = "below_1l"
        assigned = rng.choice(self.ctx.sales_user_ids)

        values = {
            "client_id": f"{self.ctx.client_id_prefix}{n:08d}",
            "first_name": first,
            "last_name": last,
            "search_name": f"{first} {last}".strip().lower(),
            "date_of_birth": encrypt(dob.isoformat()),
            "gender": gender,
            "marital_status": MARITAL.pick(rng),
            "mobile": mobile,
            "alt_mobile": alt_mobile,
            "email": email,
            "address_line": address_line,
            "city": city,
            "state": state,
            "postal_code": postal_code,
            "country": country,
            "id_type": id_type,
            "id_number": encrypt(id_number) if id_number else "",
            "id_number_hash": keyed_hash("id_number", id_number) if id_number else "",
            "pan": encrypt(pan) if pan else "",
            "pan_hash": keyed_hash("pan", pan) if pan else "",
            "aadhaar": encrypt(aadhaar) if aadhaar else "",
            "aadhaar_hash": keyed_hash("aadhaar", aadhaar) if aadhaar else "",
            "bank_account_number": encrypt(bank_account) if bank_account else "",
            "bank_ifsc": bank_ifsc,
            "bank_name": bank_name,
            "income_band": income,
            "occupation": occupation,
            "source_of_funds": source,
            "status": status,
            "assigned_to_id": assigned,
            "created_by_id": assigned,
            "created_at": created,
            "account_opened_at": opened,
            "account_activated_at": activated,
            "last_activity_at": last_activity,
            "updated_at": self.ctx.now,  # the row is written now
        }
        return tuple(values[c] for c in COLUMNS)

    # -- parts ----------------------------------------------------------------------------

    @staticmethod
    def _indian_name(rng: random.Random, region: str, gender: str) -> tuple[str, str]:
        pools = (
            IN_FEMALE
            if gender == "female" or (gender != "male" and rng.random() < 0.5)
            else IN_MALE
        )
        first_pool = _REGION_FIRST[region].pick(rng)
        first = rng.choice(pools[first_pool])
        surnames = IN_SURNAMES.get(region) or IN_SURNAMES["north"]
        if first_pool == "christian" and region not in ("goa", "christian"):
            surnames = IN_SURNAMES["christian"]
        last = rng.choice(surnames)
        if last == "Kaur" and pools is IN_MALE:
            last = "Singh"
        elif region == "punjab" and pools is IN_FEMALE and rng.random() < 0.4:
            last = "Kaur"
        return first, last

    def _mobile(self, country: str, n: int, uniq: random.Random | None) -> str:
        plan = self.plans[country]
        national = plan.national(
            self.mobile_perm[country](n) if uniq is None else uniq.randrange(plan.size)
        )
        # An unallocated sub-range inside a checked block: draw at random instead (the
        # writer's clash check keeps such numbers unique).
        redraw = random.Random(f"{self.ctx.seed}/{n}/mobile")
        while not plan.valid(national):
            national = plan.national(redraw.randrange(plan.size))
        return f"+{plan.country_code}{national}"

    @staticmethod
    def _email(
        rng: random.Random, first: str, last: str, country: str, n: int, uniq: random.Random | None
    ) -> str:
        f, last_ascii = _ascii_word(first) or "customer", _ascii_word(last)
        style = EMAIL_STYLE.pick(rng)
        local = {
            "dot": f"{f}.{last_ascii}",
            "plain": f"{f}{last_ascii}",
            "underscore": f"{f}_{last_ascii}",
            "initial": f"{f[0]}.{last_ascii}",
            "first": f,
        }[style].strip("._") or f
        # The number at the end keeps the address unique: the local part always ends in it
        # and names hold no digits, so two different numbers never give the same address.
        tag = n if uniq is None else uniq.randrange(10**9, 10**10)
        domains = EMAIL_DOMAINS_IN if country == "IN" else EMAIL_DOMAINS_ABROAD
        return f"{local}{tag}@{domains.pick(rng)}"

    def _pan(self, last: str, n: int, uniq: random.Random | None) -> str:
        """AAA + P (individual) + surname initial + 4 digits (0001-9999) + a letter."""
        x = self.pan_perm(n) if uniq is None else uniq.randrange(self.pan_perm.size)
        series, x = x % 26**3, x // 26**3
        serial, check = x % 9999 + 1, x // 9999
        initial = (_ascii_word(last)[:1] or "x").upper()
        letters = "".join(_LETTERS[series // 26**i % 26] for i in (2, 1, 0))
        return f"{letters}P{initial}{serial:04d}{_LETTERS[check]}"

    def _aadhaar(self, n: int, uniq: random.Random | None) -> str:
        """12 digits, first 2-9, Verhoeff check digit last; digits 6 and 7 always differ, so
        the number is never a palindrome (which UIDAI never issues)."""
        x = self.aadhaar_perm(n) if uniq is None else uniq.randrange(self.aadhaar_perm.size)
        x, tail = divmod(x, 10**4)
        x, step = divmod(x, 9)
        first, middle = divmod(x, 10**5)
        d5 = middle % 10
        d6 = (d5 + 1 + step) % 10
        body = f"{first + 2}{middle:05d}{d6}{tail:04d}"
        return body + verhoeff.calc_check_digit(body)

    def _identity(
        self,
        rng: random.Random,
        country: str,
        nri: bool,
        n: int,
        pan: str,
        aadhaar: str,
        dob: dt.date,
        state_code: str,
    ) -> tuple[str, str]:
        """(id_type, normalized id_number). Passports are Indian ones: the services check
        every passport number in the Indian format."""
        if country == "IN":
            id_type = ID_TYPE_IN.pick(rng)
            if id_type == "aadhaar" and not aadhaar:
                id_type = "pan" if pan else "voter_id"
            if id_type == "pan" and not pan:
                id_type = "voter_id"
        elif nri:
            id_type = "passport"
        else:
            id_type = "national_id" if country in ("AE", "SG") else "driving_licence"
        if id_type == "aadhaar":
            return id_type, aadhaar
        if id_type == "pan":
            return id_type, pan
        if id_type == "passport":
            x = self.passport_perm(n)
            return id_type, f"{_LETTERS[x % 26]}{x // 26:07d}"
        if id_type == "voter_id":
            x = self.voter_perm(n)
            letters = "".join(_LETTERS[x // 10**7 // 26**i % 26] for i in (2, 1, 0))
            return id_type, f"{letters}{x % 10**7:07d}"
        if id_type == "driving_licence":
            x = self.licence_perm(n)
            if country == "IN":  # SS RR YYYY NNNNNNN
                year = max(dob.year + 18, 1990) + x % 15
                return (
                    id_type,
                    f"{state_code}{x % 97 + 1:02d}{min(year, self.today.year)}"
                    f"{x // 100 % 10**7:07d}",
                )
            return id_type, f"{_LETTERS[x % 26]}{x // 26 % 10**9:09d}"[:15]
        x = self.foreign_id_perm(n)
        if country == "AE":  # Emirates ID: 784-YYYY-NNNNNNN-C (Luhn)
            body = f"784{dob.year}{x:07d}"
            return id_type, body + luhn.calc_check_digit(body)
        return id_type, f"S{x:07d}{_LETTERS[x % 26]}"  # Singapore NRIC shape

    def _address(self, rng: random.Random, country: str, hint: str) -> tuple[str, str]:
        if country == "IN":
            return rng.choice(self.streets["IN"]), f"{hint}{rng.randint(1, 99):03d}"
        if country == "AE":
            return (
                f"Flat {rng.randint(101, 2405)}, {rng.choice(AE_BUILDINGS)} Tower, "
                f"{rng.choice(AE_AREAS)}"
            ), ""
        if country == "SG":
            street = rng.choice(SG_STREETS)
            return (
                f"Blk {rng.randint(100, 999)} {street} #{rng.randint(2, 25):02d}-"
                f"{rng.randint(1, 300):03d}"
            ), f"{rng.randint(10, 82):02d}{rng.randint(0, 9999):04d}"
        street = rng.choice(self.streets[country])
        if country == "GB":  # area + district, space, sector digit + two unit letters
            unit = "ABDEFGHJLNPQRSTUWXYZ"
            return street, (
                f"{hint}{rng.randint(1, 20)} {rng.randint(0, 9)}"
                f"{rng.choice(unit)}{rng.choice(unit)}"
            )
        if country == "US":
            return street, f"{hint}{rng.randint(1, 99):02d}"
        if country == "CA":  # A1A 1A1 without D, F, I, O, Q, U
            letters = "ABCEGHJKLMNPRSTVWXYZ"
            return street, (
                f"{hint}{rng.randint(0, 9)}{rng.choice(letters)} "
                f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}"
            )
        return street, f"{hint}{rng.randint(0, 999):03d}"  # AU

    def _timeline(
        self, rng: random.Random
    ) -> tuple[dt.datetime, dt.datetime, dt.datetime | None, dt.datetime, str]:
        now = self.ctx.now
        # More customers recently than three years ago.
        age = dt.timedelta(seconds=self.HISTORY_DAYS * 86400 * rng.random() ** 1.3)
        opened = now - age
        created = opened
        if rng.random() < 0.3:  # a converted lead: the lead came first
            created = opened - dt.timedelta(days=rng.uniform(1, 45))
        status = STATUS.pick(rng)
        activated = None
        if status != "pending" and not (status == "blocked" and rng.random() < 0.4):
            activated = min(now, opened + dt.timedelta(hours=rng.uniform(0.5, 240)))
        since = activated or opened
        span = (now - since).total_seconds()
        if status == "active":
            last = since + dt.timedelta(seconds=span * rng.random() ** 0.35)
        elif status == "pending":
            last = since + dt.timedelta(seconds=min(span, 86400 * 20) * rng.random())
        else:
            last = since + dt.timedelta(seconds=span * rng.random())
        return created, opened, activated, last, status

    def _dob(self, rng: random.Random, on: dt.date) -> dt.date:
        """18 to 82 years old on the day of registration (at most 85 today, with three years
        of history), most between 25 and 55."""
        age_days = int(rng.triangular(18, 82, 36) * 365.2425)
        return on - dt.timedelta(days=max(age_days, 18 * 365 + 6))

    @staticmethod
    def _digits(rng: random.Random, length: int) -> str:
        return str(rng.randrange(10 ** (length - 1), 10**length))


# --- worker-process plumbing -------------------------------------------------------------

_worker_generator: DemoGenerator | None = None


def init_worker(generator: DemoGenerator) -> None:
    global _worker_generator
    _worker_generator = generator


def worker_rows(first: int, count: int) -> tuple[int, list[tuple[Any, ...]]]:
    assert _worker_generator is not None, "init_worker was not called"
    return first, _worker_generator.rows(first, count)
