"""README stays honest: CI runs its test command, and it documents every route and option."""

from __future__ import annotations

import re

from webapp import create_app

from .conftest import REPO


def readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_ci_runs_readmes_test_command_verbatim():
    test_command = next(b.strip() for b in shell_blocks(readme()) if "pytest" in b)
    ci_lines = [ln.strip() for ln in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_readme_start_command_starts_the_webapp():
    start = shell_blocks(readme())[0].strip()
    assert start == "pip install -e '.[docx,pdf]' && python -m webapp"


def test_every_route_is_documented(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path)})
    text = readme()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        documented = re.sub(r"<[^>]+>", "<", rule.rule)
        assert documented in re.sub(r"<[^>]+>", "<", text), rule.rule


def test_every_cli_option_is_documented():
    text = readme()
    for option in ["--seeds", "--index", "--rebuild", "--host", "--port"]:
        assert option in text
