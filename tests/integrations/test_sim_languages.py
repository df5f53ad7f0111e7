"""The simulated Odoo's languages: en_US only, as the lab; fr_FR can be activated on 19 as the lab did for
odoo19/transcripts/context_lang_tz.json (``/sim/control`` action ``languages``, or ``--languages fr_FR``);
nothing else, and nothing on 18, which no recording shows with a second language."""

from __future__ import annotations

import httpx
import pytest

from integrations.odoo_sim.process import SimProcess, free_port

from .sim_replay import error, json2, kw, result, started_sims


@pytest.fixture(scope="module")
def sims(tmp_path_factory):
    yield from started_sims(tmp_path_factory)


def _control(sim, **command) -> httpx.Response:
    return httpx.post(f"{sim.url}/sim/control", json=command, timeout=30)


def test_fr_fr_activated_on_19_is_accepted_on_both_protocols_then_reset(sims):
    sim = sims[19]
    assert _control(sim, action="languages", active=["fr_FR"]).json()["languages"] == ["en_US", "fr_FR"]
    try:
        read = kw(sim, "res.partner", "read", [[1]], {"fields": ["name"], "context": {"lang": "fr_FR"}})
        assert result(read)[0]["id"] == 1
        counted = json2(sim, "res.partner/search_count", {"domain": [], "context": {"lang": "fr_FR", "tz": "X/Y"}})
        assert counted.status_code == 200
        still = kw(sim, "res.partner", "read", [[1]], {"fields": ["name"], "context": {"lang": "de_DE"}})
        assert error(still) == ("odoo.exceptions.UserError", "Invalid language code: de_DE")
    finally:
        _control(sim, action="languages", active=[])
    again = kw(sim, "res.partner", "read", [[1]], {"fields": ["name"], "context": {"lang": "fr_FR"}})
    assert error(again) == ("odoo.exceptions.UserError", "Invalid language code: fr_FR")


@pytest.mark.parametrize(("series", "langs"), [(18, ["fr_FR"]), (19, ["de_DE"]), (19, ["xx_XX"])])
def test_languages_no_recording_shows_active_are_refused(sims, series, langs):
    refused = _control(sims[series], action="languages", active=langs)
    assert refused.status_code == 400 and "no recording" in refused.json()["error"]
    assert _control(sims[series], action="stats").json()["languages"] == ["en_US"]


def test_the_command_line_activates_fr_fr_on_19_only(tmp_path):
    sim = SimProcess(port=free_port(), data=tmp_path / "sim.sqlite3", args=["--languages", "fr_FR"]).start()
    try:
        assert sim.control("stats")["languages"] == ["en_US", "fr_FR"]
    finally:
        sim.stop()
    with pytest.raises(RuntimeError, match="cannot activate fr_FR"):
        SimProcess(
            port=free_port(), data=tmp_path / "sim18.sqlite3", version="18.0", args=["--languages", "fr_FR"]
        ).start()
