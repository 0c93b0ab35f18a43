"""git tools: ``git_status``, ``git_diff``, ``git_log``, ``git_show`` (read) and
``git_commit`` (exec: it runs only where the approval mode allows running commands).

Every command goes through :mod:`agent.safegit`: the workspace's git config, attributes and
hooks run nothing (no fsmonitor, filter, textconv, pager or hook), and the environment the
shell tool saved never reaches git.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from agent.safegit import NO_EXT_DIFF, GitError, run_git
from agent.tools.base import Observation, Tool, ToolContext, ToolError


def _git(ctx: ToolContext, *args: str, read_only: bool = True) -> str:
    """Run ``git args`` in the workspace's repository; a git failure becomes a ToolError."""
    try:
        return run_git(args, ctx.workspace.root, timeout=ctx.shell_timeout_s, read_only=read_only, strip_newline=True)
    except GitError as e:
        if "not a git repository" in e.why:
            raise ToolError(f"{ctx.workspace.root} is not in a git repository; git tools need one (run `git init` with shell)") from None
        raise ToolError(f"git {args[0]} failed: {e.why}") from None


def _paths(ctx: ToolContext, paths: list[str]) -> list[str]:
    """Paths confined to the workspace, as git pathspecs relative to the repository's work tree."""
    return [str(ctx.workspace.resolve(p)) for p in paths]


def _output(ctx: ToolContext, text: str, empty: str) -> Observation:
    if not text.strip():
        return Observation(output=empty)
    if len(text) <= ctx.max_output_chars:
        return Observation(output=text)
    cut = text[: ctx.max_output_chars].rsplit("\n", 1)[0]
    return Observation(output=f"{cut}\n[output cut at {ctx.max_output_chars} characters; narrow it with paths or a smaller count]", truncated=True)


def _check_ref(ref: str) -> str:
    if not ref or ref.startswith("-") or any(c.isspace() for c in ref):
        raise ToolError(f"bad ref {ref!r}: give a branch, tag, commit or expression like HEAD~2 (no spaces, no leading '-')")
    return ref


class GitStatusTool(Tool):
    name = "git_status"
    kind = "read"

    class Params(BaseModel):
        pass

    def run(self, params: GitStatusTool.Params, ctx: ToolContext) -> Observation:
        text = _git(ctx, "status", "--short", "--branch", "--untracked-files=all", "--ignore-submodules=dirty")
        return _output(ctx, text, "nothing to report")


class GitDiffTool(Tool):
    name = "git_diff"
    kind = "read"

    class Params(BaseModel):
        staged: bool = Field(default=False, description="Show what is staged for the next commit instead of unstaged changes.")
        ref: str | None = Field(default=None, description="Compare the working tree (or with staged, the index) against this commit, branch or tag.")
        paths: list[str] = Field(default_factory=list, description="Only these files or directories.")
        stat: bool = Field(default=False, description="Only a summary of changed files and line counts.")

    def run(self, params: GitDiffTool.Params, ctx: ToolContext) -> Observation:
        args = ["diff", "--no-color", *NO_EXT_DIFF, "--ignore-submodules=dirty"]
        args += ["--cached"] if params.staged else []
        args += ["--stat"] if params.stat else []
        args += [_check_ref(params.ref)] if params.ref else []
        args += ["--", *_paths(ctx, params.paths)]
        what = "staged" if params.staged else "unstaged"
        return _output(ctx, _git(ctx, *args), f"no {what} changes" + (f" against {params.ref}" if params.ref else ""))


class GitLogTool(Tool):
    name = "git_log"
    kind = "read"

    class Params(BaseModel):
        max_count: int = Field(default=20, description="How many commits to show, newest first.")
        ref: str | None = Field(default=None, description="Start from this branch, tag or commit (default HEAD); 'a..b' ranges work.")
        paths: list[str] = Field(default_factory=list, description="Only commits touching these files or directories.")

    def run(self, params: GitLogTool.Params, ctx: ToolContext) -> Observation:
        if params.max_count < 1:
            raise ToolError("max_count must be at least 1")
        args = ["log", f"--max-count={params.max_count}", "--no-color", *NO_EXT_DIFF, "--date=short",
                "--format=%h %ad %an: %s%d"]
        args += [_check_ref(params.ref)] if params.ref else []
        args += ["--", *_paths(ctx, params.paths)]
        return _output(ctx, _git(ctx, *args), "no commits yet")


class GitShowTool(Tool):
    name = "git_show"
    kind = "read"

    class Params(BaseModel):
        ref: str = Field(default="HEAD", description="Commit, branch or tag to show.")
        path: str | None = Field(default=None, description="Show this file as it was at ref instead of the commit and its diff.")
        stat: bool = Field(default=False, description="Only the commit message and a summary of changed files.")

    def run(self, params: GitShowTool.Params, ctx: ToolContext) -> Observation:
        ref = _check_ref(params.ref)
        if params.path is not None:
            resolved = ctx.workspace.resolve(params.path)
            top = Path(_git(ctx, "rev-parse", "--show-toplevel")).resolve()
            try:
                rel = resolved.relative_to(top).as_posix()
            except ValueError:
                raise ToolError(f"{params.path} is not inside the repository at {top}") from None
            return _output(ctx, _git(ctx, "show", *NO_EXT_DIFF, f"{ref}:{rel}"), f"{params.path} is empty at {ref}")
        args = ["show", "--no-color", *NO_EXT_DIFF, "--format=fuller"] + (["--stat"] if params.stat else []) + [ref]
        return _output(ctx, _git(ctx, *args), f"{ref} has no changes")


class GitCommitTool(Tool):
    name = "git_commit"
    kind = "exec"

    class Params(BaseModel):
        message: str = Field(description="The commit message: a short summary line, then a blank line and details if needed.")
        paths: list[str] = Field(default_factory=list, description="Stage these files first (new, changed or deleted).")
        all: bool = Field(default=False, description="Stage every change to tracked files first (like git commit -a).")

    def run(self, params: GitCommitTool.Params, ctx: ToolContext) -> Observation:
        if not params.message.strip():
            raise ToolError("message must not be empty; say what the commit changes")
        if params.paths:
            _git(ctx, "add", "--all", "--", *_paths(ctx, params.paths), read_only=False)
        args = ["commit", "-m", params.message]
        args += ["--all"] if params.all else []
        if not _git(ctx, "diff", "--cached", "--name-only", *NO_EXT_DIFF) and not params.all:
            raise ToolError("nothing is staged; pass paths (or all=true) to say what to commit")
        out = _git(ctx, *args, read_only=False)
        return _output(ctx, out, "committed")
