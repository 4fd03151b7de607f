"""The workbench's access rules as plain functions over a hand-made org (no server)."""

from pathlib import Path

import pytest

from coaching_pipeline.workbench import access
from coaching_pipeline.workbench.runtime import WorkbenchConfigError, WorkbenchSettings

from .app_org import ADMIN, org

ORG = org()


def viewer(user_id=None, email=None):
    return access.viewer_for(ORG, [ADMIN], user_id=user_id, email=email)


def test_roles_come_from_the_data_and_the_settings():
    assert viewer("r1").roles == {"rep"}
    assert viewer("m1").roles == {"manager"}
    assert viewer("s1").roles == {"slm"}
    assert viewer(email="ADMIN@example.com").roles == {"admin"}
    assert viewer(email="mona@EXAMPLE.com").user_id == "m1"  # emails match case-insensitively
    assert viewer(email="stranger@example.com") is None
    assert viewer("nobody") is None


def test_who_sees_which_reps():
    assert access.visible_rep_ids(viewer("r1"), ORG) == {"r1"}
    assert access.visible_rep_ids(viewer("m1"), ORG) == {"r1", "r2"}
    assert access.visible_rep_ids(viewer("m2"), ORG) == {"r3"}
    assert access.visible_rep_ids(viewer("s1"), ORG) == {"r1", "r2", "r3"}
    assert access.visible_rep_ids(viewer(email=ADMIN), ORG) == {"r1", "r2", "r3"}


def test_what_each_may_do_on_a_rep():
    own = access.rep_access(viewer("r1"), ORG, "r1")
    assert own.view and own.mark_actions and not own.see_pending and not own.decide and not own.see_names
    assert access.rep_access(viewer("r1"), ORG, "r2") == access.NO_ACCESS
    lead = access.rep_access(viewer("m1"), ORG, "r1")
    assert lead.view and lead.see_pending and lead.decide and not lead.mark_actions
    assert access.rep_access(viewer("m2"), ORG, "r1") == access.NO_ACCESS  # another team
    assert access.rep_access(viewer("s1"), ORG, "r3").decide
    admin = access.rep_access(viewer(email=ADMIN), ORG, "r3")
    assert admin.view and admin.see_pending and not admin.decide and not admin.mark_actions  # read only
    assert access.rep_access(viewer("m1"), ORG, "m1") == access.NO_ACCESS  # not a seller: no dashboard


def test_dev_sign_in_is_refused_on_a_public_address():
    with pytest.raises(WorkbenchConfigError, match="127.0.0.1"):
        WorkbenchSettings(published=Path("x"), auth="dev", secret_key="k", host="0.0.0.0")
    with pytest.raises(WorkbenchConfigError, match="COACHING_AUTH=proxy"):
        WorkbenchSettings.from_env(host="0.0.0.0", env={})
    with pytest.raises(WorkbenchConfigError, match="COACHING_SECRET_KEY"):
        WorkbenchSettings.from_env(host="0.0.0.0", env={"COACHING_AUTH": "proxy"})
    proxy = WorkbenchSettings.from_env(host="0.0.0.0", env={"COACHING_AUTH": "proxy", "COACHING_SECRET_KEY": "k",
                                                            "COACHING_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.5"})
    assert proxy.trusts("10.2.3.4") and proxy.trusts("192.168.1.5") and not proxy.trusts("127.0.0.1")
    assert WorkbenchSettings.from_env(env={}).auth == "dev"  # the default on 127.0.0.1


def test_serve_command_refuses_dev_on_0_0_0_0(monkeypatch):
    from click.testing import CliRunner

    from coaching_pipeline.cli import main

    monkeypatch.setenv("COACHING_AUTH", "dev")
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "only runs on 127.0.0.1" in result.output
