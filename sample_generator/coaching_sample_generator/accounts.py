"""Accounts and their contacts: each seller's book of accounts (customers for AM and CSM
books), 6-10 contacts per account with distinct last names, a few contacts soft-deleted.
Every array is indexed by its own record number; deals.py builds the deals on these books."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import DAY, Calendar, group_starts, ranks_within, rng_for, sf_ids
from .org import FIRST_NAMES, LAST_NAMES, Org

COMPANY_WORDS = (
    "Alder Birch Cobalt Delta Ember Falcon Granite Harbor Iris Juniper Keystone Lumen Maple "
    "Nimbus Onyx Pioneer Quartz Redwood Summit Tidal Umber Vertex Willow Xenon Yarrow Zephyr "
    "Atlas Beacon Cascade Drift Echo Fjord Glacier Horizon Ironwood Jade Kestrel Lattice "
    "Meridian Northstar Orbit Prairie Quill Ridge Sable Terra Unity Vista Wren Yukon Zenith "
    "Aurora Basalt Cedar Dune Everest Flint Grove Helix Indigo"
).split()
COMPANY_KINDS = [
    ("Logistics", "Transportation"), ("Health", "Healthcare"), ("Systems", "Technology"),
    ("Foods", "Food & Beverage"), ("Bank", "Financial Services"), ("Insurance", "Insurance"),
    ("Energy", "Energy"), ("Retail", "Retail"), ("Labs", "Biotechnology"), ("Robotics", "Manufacturing"),
    ("Media", "Media"), ("Analytics", "Technology"), ("Capital", "Financial Services"),
    ("Manufacturing", "Manufacturing"), ("Pharma", "Pharmaceuticals"), ("Telecom", "Telecommunications"),
    ("Software", "Technology"), ("Airlines", "Transportation"), ("Motors", "Automotive"),
    ("Hotels", "Hospitality"), ("Networks", "Telecommunications"), ("Biotech", "Biotechnology"),
    ("Apparel", "Retail"), ("Realty", "Real Estate"), ("Learning", "Education"),
    ("Security", "Technology"), ("Freight", "Transportation"), ("Holdings", "Financial Services"),
]
COUNTRIES = ["United States"] * 6 + ["Canada", "United Kingdom", "Germany", "France", "Australia"]
CONTACT_TITLES = [
    "Chief Financial Officer", "VP Finance", "VP Operations", "Director of IT", "Head of Revenue Operations",
    "Procurement Manager", "Director of Engineering", "Operations Manager", "Data Analyst",
    "Chief Operating Officer", "VP Sales", "IT Manager", "Security Lead", "Controller", "Head of Data",
]
BOOK_SIZE = {"AE": 30, "SDR": 25, "AM": 25, "CSM": 25}


@dataclass
class Accounts:
    id: np.ndarray
    name: np.ndarray
    domain: np.ndarray
    industry: np.ndarray
    country: np.ndarray
    owner: np.ndarray  # seller index
    customer: np.ndarray
    revenue: np.ndarray
    employees: np.ndarray
    created_ts: np.ndarray
    book_start: np.ndarray  # per seller: first account of the book
    book_size: np.ndarray
    contact_start: np.ndarray  # per account: first contact
    contact_count: np.ndarray


@dataclass
class Contacts:
    id: np.ndarray
    account: np.ndarray
    first: np.ndarray
    last: np.ndarray
    name: np.ndarray
    email: np.ndarray
    title: np.ndarray
    created_ts: np.ndarray
    deleted: np.ndarray


def build_accounts(org: Org, cal: Calendar, seed: int) -> tuple[Accounts, Contacts]:
    rng = rng_for(seed, "accounts")
    book = np.array([BOOK_SIZE[r] for r in org.s_role]) + rng.integers(-3, 4, org.n_sellers)
    n = int(book.sum())
    owner = np.repeat(np.arange(org.n_sellers), book)
    n_words, n_kinds = len(COMPANY_WORDS), len(COMPANY_KINDS)
    combos = n_words * n_kinds
    perm = rng.permutation(combos)
    idx = np.arange(n)
    combo = perm[idx % combos]
    gen = idx // combos
    w_i, k_i = combo // n_kinds, combo % n_kinds
    words = np.array(COMPANY_WORDS, dtype=object)[w_i]
    kinds = np.array([k for k, _ in COMPANY_KINDS], dtype=object)[k_i]
    gen_txt = np.where(gen > 0, np.char.mod(" %d", gen + 1).astype(object), "")
    name = words + " " + kinds + gen_txt
    domain = np.char.lower((words + kinds).astype(str)) + np.where(gen > 0, np.char.mod("%d", gen + 1), "")
    domain = np.char.replace(domain, " ", "") + ".example"
    customer = np.isin(org.s_role[owner], ["AM", "CSM"])
    emp = np.round(np.exp(rng.normal(6.3, 1.3, n))).astype(np.int64) + 10
    acc = Accounts(
        id=sf_ids("001", np.arange(1, n + 1)), name=name.astype(str), domain=domain,
        industry=np.array([ind for _, ind in COMPANY_KINDS])[k_i],
        country=np.array(COUNTRIES)[rng.integers(0, len(COUNTRIES), n)],
        owner=owner, customer=customer, revenue=emp * rng.integers(90, 400, n) * 1000, employees=emp,
        created_ts=(cal.start_day - rng.integers(30, 1500, n)) * DAY + rng.integers(13 * 3600, 23 * 3600, n),
        book_start=group_starts(book), book_size=book,
        contact_start=np.zeros(n, np.int64), contact_count=rng.integers(6, 11, n),
    )
    acc.contact_start = group_starts(acc.contact_count)
    m = int(acc.contact_count.sum())
    c_acc = np.repeat(np.arange(n), acc.contact_count)
    j = ranks_within(acc.contact_start, acc.contact_count)
    last_i = (rng.integers(0, len(LAST_NAMES), n)[c_acc] + 7 * j) % len(LAST_NAMES)  # distinct per account
    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), m)]
    last = np.array(LAST_NAMES)[last_i]
    name = np.char.add(np.char.add(first, " "), last)
    email = np.char.lower(np.char.add(np.char.add(np.char.add(np.char.add(first, "."), last), "@"),
                                      acc.domain[c_acc]))
    con = Contacts(
        id=sf_ids("003", np.arange(1, m + 1)), account=c_acc, first=first, last=last, name=name, email=email,
        title=np.array(CONTACT_TITLES)[rng.integers(0, len(CONTACT_TITLES), m)],
        created_ts=acc.created_ts[c_acc] + rng.integers(DAY, 400 * DAY, m),
        deleted=rng.random(m) < 0.01,
    )
    con.created_ts = np.minimum(con.created_ts, cal.start_day * DAY - DAY)
    return acc, con

