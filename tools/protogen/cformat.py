# SPDX-License-Identifier: BSD-2-Clause
"""Laying out C text: comments, long lines broken at commas, `if`s, and
the C spelling of handle rights."""
import textwrap


def c_comment_text(s):
    return s.replace("*/", "* /")


def c_block_comment(text, width=100):
    """`text` as a /* */ comment of lines at most `width` wide."""
    lines = textwrap.wrap(c_comment_text(text), width - 6)
    if len(lines) == 1:
        return [f"/* {lines[0]} */"]
    return [f"/* {lines[0]}"] + [f" * {x}" for x in lines[1:-1]] + [f" * {lines[-1]} */"]


def wrap_lines(lines, limit=110):
    """Lines longer than `limit` broken after top-level commas of their first
    parenthesis or brace, continued under its first argument. Comments and
    lines broken by hand are left alone."""
    out = []
    for text in lines:
        for line in text.split("\n"):
            out += wrap_line(line, limit)
    return out


def wrap_line(line, limit):
    stripped = line.lstrip()
    if len(line) <= limit or stripped.startswith(("/*", "*")):
        return [line]
    # The first outermost bracket with a comma inside holds the list to
    # break: the parameters of `int (*op)(...)`, not `(*op)`.
    start, depth, opener = -1, 0, -1
    for i, c in enumerate(line):
        if c in "([{":
            if depth == 0:
                opener = i
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 1:
            start = opener
            break
    if start < 0:
        return [line]
    parts, depth, last = [], 0, start + 1
    for i in range(start + 1, len(line)):
        c = line[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(line[last:i + 1].strip())
            last = i + 1
    parts.append(line[last:].strip())
    out, cur, indent = [], line[:start + 1], " " * (start + 1)
    for part in parts:
        if cur.strip() and len(cur) + 1 + len(part) > limit and cur != line[:start + 1]:
            out.append(cur.rstrip())
            cur = indent + part
        else:
            cur = cur + ("" if cur.endswith(("(", "{")) else " ") + part
    out.append(cur)
    return out


def rights_expr(rights):
    return " | ".join("RIGHT_" + r.upper() for r in rights) if rights else "0"


def if_block(conds, body):
    """`if (a || b) body`, one condition a line when they do not fit on
    one, with braces only around several statements."""
    cond = " || ".join(conds)
    if len(cond) > 90:
        cond = (" ||\n" + " " * 8).join(conds)
    if len(body) == 1:
        return [f"    if ({cond})", f"        {body[0]}"]
    return [f"    if ({cond}) {{"] + [f"        {b}" for b in body] + ["    }"]

