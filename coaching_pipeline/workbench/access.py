"""Who may see and do what (workbench contract, "Who sees what"), as plain functions of the
org read from the published file: no request, no database, so the rules are tested alone.

Roles come from the data, not from a role column: a rep is a seller; a manager is anyone some
seller reports to (manager_id); an SLM is anyone who is some seller's slm_id; an admin is
listed in the settings. One person can hold several roles; what they may see is the union.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str | None = None
    is_seller: bool = False
    manager_id: str | None = None
    slm_id: str | None = None
    role: str | None = None  # the CRM role of a seller (AE, AM, ...)


@dataclass
class Org:
    people: dict[str, Person] = field(default_factory=dict)

    @classmethod
    def of(cls, people: list[Person]) -> Org:
        return cls({p.user_id: p for p in people})

    def sellers(self) -> list[Person]:
        return sorted((p for p in self.people.values() if p.is_seller), key=lambda p: (p.name, p.user_id))

    def by_email(self, email: str) -> Person | None:
        wanted = email.strip().lower()
        return next((p for p in self.people.values() if p.email and p.email.lower() == wanted), None)


@dataclass(frozen=True)
class Viewer:
    """The signed-in user. user_id None: an admin from the settings who is no CRM user."""

    user_id: str | None
    name: str
    email: str | None
    roles: frozenset[str]  # subset of {"rep", "manager", "slm", "admin"}

    @property
    def actor(self) -> str:
        return self.user_id or f"admin:{self.email}"


def is_admin(admins: list[str] | tuple[str, ...], person: Person | None = None, email: str | None = None) -> bool:
    listed = {a.strip().lower() for a in admins}
    keys = {email} | ({person.user_id, person.email} if person else set())
    return any(k and k.lower() in listed for k in keys)


def roles_of(org: Org, person: Person | None, admin: bool) -> frozenset[str]:
    roles = set()
    if person is not None:
        sellers = org.sellers()
        if person.is_seller:
            roles.add("rep")
        if any(s.manager_id == person.user_id for s in sellers):
            roles.add("manager")
        if any(s.slm_id == person.user_id for s in sellers):
            roles.add("slm")
    if admin:
        roles.add("admin")
    return frozenset(roles)


def viewer_for(org: Org, admins, user_id: str | None = None, email: str | None = None) -> Viewer | None:
    """The viewer a user id (dev sign-in) or an email (proxy header) names; None when nobody:
    neither a user of the published data nor an admin of the settings."""
    person = org.people.get(user_id) if user_id else (org.by_email(email) if email else None)
    admin = is_admin(admins, person, email)
    if person is None and not admin:
        return None
    if person is None:
        return Viewer(None, email or "admin", email, frozenset({"admin"}))
    return Viewer(person.user_id, person.name, person.email, roles_of(org, person, admin))


@dataclass(frozen=True)
class RepAccess:
    """What a viewer may see and do on one rep's pages."""

    view: bool = False
    see_pending: bool = False  # recommendations not approved or modified yet
    decide: bool = False       # approve, modify, dismiss; escalate; notes
    mark_actions: bool = False  # next best actions done / deferred (the rep's own)
    see_names: bool = False    # other sellers' names and figures (never for a rep alone)


NO_ACCESS = RepAccess()


def rep_access(viewer: Viewer, org: Org, rep_id: str) -> RepAccess:
    rep = org.people.get(rep_id)
    if rep is None or not rep.is_seller:
        return NO_ACCESS
    leads = viewer.user_id is not None and viewer.user_id in (rep.manager_id, rep.slm_id)
    own = viewer.user_id == rep_id
    admin = "admin" in viewer.roles
    if not (leads or own or admin):
        return NO_ACCESS
    return RepAccess(view=True, see_pending=leads or admin, decide=leads, mark_actions=own,
                     see_names=leads or admin)


def visible_rep_ids(viewer: Viewer, org: Org) -> set[str]:
    """The sellers whose dashboards the viewer may open: everyone for an admin, the whole org
    under an SLM, a manager's direct reports, and a rep's own."""
    return {s.user_id for s in org.sellers() if rep_access(viewer, org, s.user_id).view}


def visible_reps(viewer: Viewer, org: Org) -> list[Person]:
    ids = visible_rep_ids(viewer, org)
    return [s for s in org.sellers() if s.user_id in ids]


def home_path(viewer: Viewer) -> str:
    """The viewer's natural first page: the work waiting for them. A manager's is the inbox, an
    SLM's (who manages no one directly) the escalations, an admin's the data and runs page, a
    rep's their own dashboard."""
    if viewer.user_id and "manager" in viewer.roles:
        return "/inbox"
    if viewer.user_id and "slm" in viewer.roles:
        return "/escalations"
    if "admin" in viewer.roles:
        return "/admin"
    if viewer.user_id and "rep" in viewer.roles:
        return f"/reps/{viewer.user_id}"
    return "/reps"
