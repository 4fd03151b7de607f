"""The sales organisation: scales, users, roles, teams, Gong users, and each seller's latent
skill with the behaviour parameters it drives (the planted signal), plus the reps with
planted week-over-week conversation trajectories (both drawn in skill.py).

Shape: VP -> second-line managers (Sales Directors) -> first-line managers -> sellers. A team
is the sellers sharing a manager and a role; every manager runs exactly one team.

Time zones and currencies: a team (its manager and reps) works in one IANA zone, taken per
role from ZONE_CYCLE: two thirds of the teams in the US (America/New_York, Los_Angeles,
Chicago), the rest in Europe (Europe/London, Europe/Berlin) and Asia (Asia/Tokyo,
Asia/Singapore). The first AM team is in Berlin and the first CSM team in Tokyo, so every
scale has a European and an Asian team (S: AE New York + Los Angeles, SDR Chicago, AM Berlin,
CSM Tokyo). Sellers deal in their zone's currency (currency.ZONE_CURRENCY: Berlin EUR, London
GBP, Tokyo JPY, Singapore SGD, else USD). Two New York sellers have an empty
User.TimeZoneSidKey: they fall back to Organization.TimeZoneSidKey (America/New_York).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import currency
from .common import DAY, G_USER, ZONE_INDEX, Calendar, gong_ids, rng_for, sf_ids
from .skill import crm_params, planted_reps, quality_matrix, skill_and_params

VENDOR_DOMAIN = "vendorco.example"
ROLES = ("AE", "SDR", "AM", "CSM")


@dataclass(frozen=True)
class ScaleSpec:
    name: str
    role_counts: dict  # sellers per role
    max_team: int = 10
    page_size: int = 100  # Gong records per page
    transcript_share: float = 0.15  # share of External calls with a transcript
    scorecard_share: float = 0.30  # share of External calls with an answered scorecard
    activity_format: str = "csv"


SCALES = {
    # XS is an internal knob for fast tests (same shape, fewer sellers).
    "XS": ScaleSpec("XS", {"AE": 8, "SDR": 3, "AM": 2, "CSM": 2}),
    "S": ScaleSpec("S", {"AE": 18, "SDR": 8, "AM": 7, "CSM": 7}),
    "M": ScaleSpec("M", {"AE": 225, "SDR": 100, "AM": 88, "CSM": 87}, page_size=1000,
                   transcript_share=0.05, scorecard_share=0.15),
    "L": ScaleSpec("L", {"AE": 2250, "SDR": 1000, "AM": 875, "CSM": 875}, page_size=1000,
                   transcript_share=0.02, scorecard_share=0.10, activity_format="parquet"),
}

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
    "Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Amy "
    "Jacob Kathleen Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma Stephen Anna "
    "Larry Pamela Justin Nicole Scott Samantha Brandon Katherine Benjamin Christine Samuel "
    "Helen Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack "
    "Olivia Dennis Heather Jerry Diane Tyler Julie Aaron Joyce Jose Victoria Adam Ruth "
    "Nathan Virginia Henry Lauren Zachary Kelly Priya Wei Aisha Mateo Sofia Kenji Ingrid"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Fischer "
    "Novak Tanaka Okafor Larsen Moreau Rossi Dubois Schmidt Costa Silva Yamamoto Kowalski"
).split()

# UserRole rows: (name, parent index)
USER_ROLES = [
    ("VP Sales", None),
    ("Sales Director", 0),
    ("Sales Manager", 1),
    ("Account Executive - West", 2),
    ("Account Executive - East", 2),
    ("Account Executive - Central", 2),
    ("SDR Team", 2),
    ("Account Manager", 2),
    ("Customer Success Manager", 2),
    ("Sales Operations", 0),
    ("Solutions Engineer", 1),
    ("Account Executive - EMEA", 2),
    ("Account Executive - APAC", 2),
]
_ROLE_INDEX = {name: i for i, (name, _) in enumerate(USER_ROLES)}
# Team zones per role: team j of a role works in ZONE_CYCLE[(ROLE_CYCLE_START[role] + j) % 12].
ZONE_CYCLE = ["America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London", "America/New_York",
              "America/Los_Angeles", "Asia/Singapore", "America/Chicago", "America/New_York", "Europe/Berlin",
              "America/Los_Angeles", "Asia/Tokyo"]
ROLE_CYCLE_START = {"AE": 0, "SDR": 2, "AM": 9, "CSM": 11}
ZONE_REGION = {"America/Los_Angeles": "West", "America/Chicago": "Central", "America/New_York": "East",
               "Europe/London": "EMEA", "Europe/Berlin": "EMEA", "Asia/Tokyo": "APAC", "Asia/Singapore": "APAC"}
SELLER_ROLE_NAME = {"SDR": "SDR Team", "AM": "Account Manager", "CSM": "Customer Success Manager"}
SELLER_TITLES = {
    "AE": ["Account Executive", "Senior Account Executive", "Enterprise Account Executive"],
    "SDR": ["Sales Development Representative", "Senior SDR"],
    "AM": ["Account Manager", "Senior Account Manager"],
    "CSM": ["Customer Success Manager", "Senior Customer Success Manager"],
}
DEPARTMENT = {"AE": "Sales", "SDR": "Sales Development", "AM": "Account Management", "CSM": "Customer Success"}
TOOLS = ("outreach", "salesloft")


@dataclass
class Org:
    users: list[dict]  # every Salesforce user, in Id order
    user_roles: list[dict]
    gong_users: list[dict]
    n_sellers: int
    # seller arrays (index = seller number)
    s_user: np.ndarray  # index into users
    s_id: np.ndarray
    s_email: np.ndarray
    s_name: np.ndarray
    s_role: np.ndarray  # 'AE' ...
    s_team: np.ndarray
    s_tz: np.ndarray  # time zone: index into common.ZONES (users[...]["tz"] holds the name)
    s_gong: np.ndarray  # Gong user id (int64)
    s_manager_user: np.ndarray  # index into users
    s_tool: np.ndarray  # engagement tool of the team
    s_skill: np.ndarray  # latent skill 0-1
    s_top: np.ndarray  # top ~25% of the role by skill
    params: dict  # behaviour parameters per seller (arrays)
    q: np.ndarray  # skill level per seller x week x skill (0-1; skill.SKILLS)
    gap_plan: list  # (seller, skill, kind) of the planted gaps (skill.py)
    planted: dict  # planted reps (seller indexes)
    teams: list[dict] = field(default_factory=list)
    se_users: list[int] = field(default_factory=list)  # solutions engineers (index into users)
    s_currency: np.ndarray | None = None  # index into currency.CODES (the seller's local currency)
    s_quota_local: np.ndarray | None = None  # quotas written in the local currency
    fx: currency.Fx | None = None  # the org's conversion rates

    def user_by_seller(self, s: int) -> dict:
        return self.users[int(self.s_user[s])]


def _split(n: int, k: int) -> list[int]:
    base, extra = divmod(n, k)
    return [base + (1 if i < extra else 0) for i in range(k)]


def build_org(spec: ScaleSpec, cal: Calendar, seed: int) -> Org:
    """The org, drawn in steps from one generator (the order of the steps is the order of the
    draws): users, the role field, missing managers, Gong users, skill, quality, zones."""
    rng = rng_for(seed, "org")
    teams = _teams(spec)
    users, s_user, s_team, se_users, integ = _users(teams, cal, rng)
    s_role = np.array([teams[t]["role"] for t in s_team])
    _sales_role_field(users, s_user, s_role, rng)
    no_mgr = _without_manager(users, s_user, rng)
    user_roles = _salesforce_ids(users)
    gong_users = _gong_users(users, s_user, no_mgr, integ, rng)
    skill, top, P = skill_and_params(s_role, ROLES, rng)
    planted = planted_reps(s_role, top)
    q, gap_plan = quality_matrix(top, planted, s_role, cal, seed, rng)
    # the deals follow each seller's typical level of the CRM skills over the span
    P.update(crm_params(q.mean(axis=1)))
    s_currency, s_quota_local = _zones_and_currencies(users, s_user, s_team, rng)
    n = len(s_user)
    s_id = np.array([users[u]["id"] for u in s_user])
    return Org(
        users=users, user_roles=user_roles, gong_users=gong_users, n_sellers=n,
        s_user=s_user, s_id=s_id,
        s_email=np.array([users[u]["email"] for u in s_user]),
        s_name=np.array([users[u]["name"] for u in s_user]),
        s_role=s_role, s_team=s_team,
        s_tz=np.array([ZONE_INDEX[users[u]["tz"]] for u in s_user], np.int64),
        s_gong=np.array([users[u]["gong_id"] for u in s_user], np.int64),
        s_manager_user=np.array([users[u]["manager"] for u in s_user]),
        s_tool=np.array([teams[t]["tool"] for t in s_team]),
        s_skill=skill, s_top=top, params=P, q=q, gap_plan=gap_plan, planted=planted, teams=teams, se_users=se_users,
        s_currency=s_currency, s_quota_local=s_quota_local, fx=currency.build_fx(cal, seed),
    )


def _teams(spec: ScaleSpec) -> list[dict]:
    """Teams per role (at most spec.max_team sellers each), with their zone and engagement tool."""
    teams: list[dict] = []
    for role in ROLES:
        n = spec.role_counts[role]
        k = max(1, math.ceil(n / spec.max_team))
        for j, size in enumerate(_split(n, k)):
            zone = ZONE_CYCLE[(ROLE_CYCLE_START[role] + j) % len(ZONE_CYCLE)]
            teams.append({"role": role, "size": size, "region": ZONE_REGION[zone], "zone": zone,
                          "tool": TOOLS[len(teams) % 2]})
    return teams


def _users(teams: list[dict], cal: Calendar, rng: np.random.Generator) -> tuple[list[dict], np.ndarray, np.ndarray,
                                                                                list[int], int]:
    """Every Salesforce user in Id order: the VP, Sales Directors, one manager per team, the
    sellers team by team, solutions engineers, sales operations and the integration user.
    Returns the users, each seller's user and team, the solutions engineers and the
    integration user."""
    n_teams = len(teams)
    n_slm = max(2, math.ceil(n_teams / 7))
    n_sellers = sum(t["size"] for t in teams)
    n_se = max(2, n_sellers // 20)
    n_ops = max(2, n_sellers // 40)
    n_users = 1 + n_slm + n_teams + n_sellers + n_se + n_ops + 1

    names = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), size=n_users, replace=False)
    created = cal.start_day - rng.integers(120, 2200, n_users)

    users: list[dict] = []

    def add_user(level, title, role_name, sales_role, tz, manager, department, active=True):
        i = len(users)
        first = FIRST_NAMES[names[i] // len(LAST_NAMES)]
        last = LAST_NAMES[names[i] % len(LAST_NAMES)]
        users.append({
            "idx": i, "first": first, "last": last, "name": f"{first} {last}",
            "email": f"{first}.{last}@{VENDOR_DOMAIN}".lower(), "level": level, "title": title,
            "user_role": _ROLE_INDEX[role_name] if role_name else None, "sales_role": sales_role,
            "tz": tz, "manager": manager, "department": department, "active": active,
            "created_ts": int(created[i]) * DAY + 15 * 3600 + int(rng.integers(0, 7200)),
        })
        return i

    vp = add_user("vp", "VP Sales", "VP Sales", "", "America/Los_Angeles", None, "Sales")
    slms = [add_user("slm", "Sales Director", "Sales Director", "Manager" if k % 2 == 0 else "",
                     ["America/New_York", "America/Los_Angeles", "America/Chicago"][k % 3], vp, "Sales")
            for k in range(n_slm)]
    managers = []
    for t_i, team in enumerate(teams):
        slm = slms[t_i % n_slm]
        sales_role = "MANAGER" if t_i % 3 != 2 else ""  # some managers only via UserRole
        managers.append(add_user("mgr", "Sales Manager", "Sales Manager", sales_role,
                                 team["zone"], slm, DEPARTMENT[team["role"]]))
        team["manager"] = managers[-1]
        team["slm"] = slm

    s_user, s_team = [], []
    for t_i, team in enumerate(teams):
        role = team["role"]
        role_name = (f"Account Executive - {team['region']}" if role == "AE" else SELLER_ROLE_NAME[role])
        for _ in range(team["size"]):
            titles = SELLER_TITLES[role]
            title = titles[int(rng.integers(0, len(titles)))]
            u = add_user("seller", title, role_name, role, team["zone"], team["manager"],
                         DEPARTMENT[role])
            s_user.append(u)
            s_team.append(t_i)
    se_users = [add_user("other", "Solutions Engineer", "Solutions Engineer", "", "America/Chicago",
                         slms[k % n_slm], "Presales") for k in range(n_se)]
    for k in range(n_ops):
        add_user("other", "Sales Operations Analyst", "Sales Operations", "", "America/Los_Angeles", vp,
                 "Revenue Operations", active=(k != n_ops - 1))
    integ = add_user("other", "Integration User", None, "", "GMT", None, "IT")
    users[integ]["email"] = f"integration@{VENDOR_DOMAIN}"

    s_user = np.array(s_user)
    s_team = np.array(s_team)
    return users, s_user, s_team, se_users, integ


def _sales_role_field(users: list[dict], s_user: np.ndarray, s_role: np.ndarray, rng: np.random.Generator) -> None:
    """The role field: filled for most sellers, empty for some (role then from UserRole)."""
    n = len(s_user)
    empty_role = rng.random(n) < 0.15
    for role in ROLES:  # at least one seller of each role relies on UserRole.Name
        members = np.flatnonzero(s_role == role)
        empty_role[members[int(rng.integers(0, len(members)))]] = True
    lower_case = rng.random(n) < 0.1
    for s in range(n):
        u = users[s_user[s]]
        if empty_role[s]:
            u["sales_role"] = ""
        elif lower_case[s]:
            u["sales_role"] = u["sales_role"].lower() if s % 2 else u["sales_role"].capitalize()


def _without_manager(users: list[dict], s_user: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sellers without ManagerId (Gong managerId fills it in)."""
    n = len(s_user)
    k_nomgr = max(2, round(0.05 * n))
    no_mgr = rng.choice(n, size=k_nomgr, replace=False)
    for s in no_mgr.tolist():
        users[s_user[s]]["sf_manager_empty"] = True
    return no_mgr


def _salesforce_ids(users: list[dict]) -> list[dict]:
    """Salesforce ids of the users (and of their manager and role); returns the UserRole rows."""
    n_users = len(users)
    ids = sf_ids("005", np.arange(1, n_users + 1))
    role_ids = sf_ids("00E", np.arange(1, len(USER_ROLES) + 1))
    for u in users:
        u["id"] = str(ids[u["idx"]])
        u["user_role_id"] = str(role_ids[u["user_role"]]) if u["user_role"] is not None else ""
        u["manager_id"] = "" if u["manager"] is None else str(ids[u["manager"]])
        u["sf_manager_id"] = "" if u.get("sf_manager_empty") else u["manager_id"]
    user_roles = [{"id": str(role_ids[i]), "name": name,
                   "parent": "" if parent is None else str(role_ids[parent])}
                  for i, (name, parent) in enumerate(USER_ROLES)]
    return user_roles


def _gong_users(users: list[dict], s_user: np.ndarray, no_mgr: np.ndarray, integ: int,
                rng: np.random.Generator) -> list[dict]:
    """Gong users (the integration user has no Gong seat), a few emails in different case."""
    n_users = len(users)
    gids = gong_ids(G_USER, np.arange(1, n_users + 1))
    odd_case = set(rng.choice(np.arange(n_users - 1), size=max(3, n_users // 25), replace=False).tolist())
    odd_case.add(int(s_user[no_mgr[0]]))  # one user both without SF manager and with odd case
    gong_users = []
    for u in users:
        u["gong_id"] = int(gids[u["idx"]])
        if u["idx"] == integ:
            continue
        email = u["email"]
        if u["idx"] in odd_case:
            local, domain = email.split("@")
            email = ".".join(p.capitalize() for p in local.split(".")) + "@" + (
                domain.capitalize() if u["idx"] % 2 else domain)
        gong_users.append({"user": u["idx"], "email": email,
                           "manager_gong": int(gids[u["manager"]]) if u["manager"] is not None else None})
    return gong_users


def _zones_and_currencies(users: list[dict], s_user: np.ndarray, s_team: np.ndarray,
                          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every user's currency and TimeZoneSidKey (empty for two New York sellers); returns each
    seller's currency and whether its quotas are in that currency."""
    n = len(s_user)
    for u in users:
        u["currency"] = currency.ZONE_CURRENCY.get(u["tz"], currency.CORPORATE)
        u["tz_field"] = u["tz"]
    s_zone = np.array([users[u]["tz"] for u in s_user])
    ny = np.flatnonzero(s_zone == "America/New_York")
    for s in rng.choice(ny, size=min(2, len(ny) - 1), replace=False).tolist():
        users[s_user[s]]["tz_field"] = ""  # falls back to Organization.TimeZoneSidKey (America/New_York)
    s_currency = np.array([currency.CODE_INDEX[users[u]["currency"]] for u in s_user], np.int64)
    team_pos = np.arange(n) - np.searchsorted(s_team, s_team)  # position within the team
    s_quota_local = (s_currency != currency.USD) & (team_pos % 3 != 2)
    return s_currency, s_quota_local
