"""``.limi/`` does not show in the user's ``git status``; its config stays committable."""

from __future__ import annotations

import subprocess

from test_cli import call, limi, repo, script  # noqa: F401  (repo is a fixture)

from agent.project_dir import GITIGNORE, ensure_gitignore


def status(ws) -> list[str]:
    out = subprocess.run(["git", "status", "--porcelain", "-uall"], cwd=ws, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_a_session_leaves_no_untracked_limi_folder(tmp_path, repo):  # noqa: F811
    result = limi("run", "-p", "look", "-m", script(tmp_path, [call("read_file", path="app.py"), "done"]), cwd=repo)
    assert result.returncode == 0, result.stderr
    assert list((repo / ".limi" / "sessions").glob("*.jsonl"))
    assert status(repo) == []


def test_config_and_commands_stay_committable_and_a_users_file_is_kept(tmp_path, repo):  # noqa: F811
    (repo / ".limi" / "commands").mkdir(parents=True)
    (repo / ".limi" / "config.toml").write_text("max_turns = 5\n")
    (repo / ".limi" / "commands" / "review.md").write_text("Review $ARGUMENTS\n")
    (repo / ".limi" / "history").write_text("hello\n")
    ensure_gitignore(repo)
    assert (repo / ".limi" / ".gitignore").read_text() == GITIGNORE
    assert sorted(status(repo)) == ["?? .limi/commands/review.md", "?? .limi/config.toml"]
    (repo / ".limi" / ".gitignore").write_text("# mine\n")
    ensure_gitignore(repo)
    assert (repo / ".limi" / ".gitignore").read_text() == "# mine\n"
