#!/usr/bin/env python3
"""Builds the manual pages logsplit(8), logdump(8) and logdump.toml(5) into --out.

logsplit.8 and logdump.8: the part swift-argument-parser generates from the programs' own options
(packaging/man/generated/, refreshed by `make man-generated`), with its generic EXIT STATUS replaced by the
README's exit-status table (the README is the source of truth; ExitCodeTableTests holds the programs to it),
the README's signal table for logsplit, and the hand-written sections of packaging/man/PROGRAM.sections.
logdump.toml.5: packaging/man/logdump.toml.sections around every key of Config/logdump.toml, with its comment.
"""
import argparse
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent


def fail(message):
    sys.exit(f"man-pages.py: {message}")


def roff_text(text):
    """Markdown cell or TOML comment text as one mdoc text line: code spans unquoted, roff escapes made safe."""
    text = text.replace("\\|", "|").replace("\\", "\\e")
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def readme_table(heading):
    """Rows (as lists of cells) of the first Markdown table after the line starting with `heading`."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    except StopIteration:
        fail(f"README.md has no line starting with {heading!r}: the manual page takes its table from there")
    rows, in_table = [], False
    for line in lines[start + 1:]:
        if line.startswith("|"):
            in_table = True
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                rows.append(cells)
        elif in_table:
            break
    # A heading that is itself the table's header row is followed by data rows only.
    if not heading.startswith("|"):
        rows = rows[1:]
    if not rows:
        fail(f"README.md: no table after {heading!r}")
    return rows


def tag_list(rows, describe):
    out = [".Bl -tag -width Ds"]
    for row in rows:
        out.append(f".It {roff_text(row[0])}")
        out.extend(describe(row))
    out.append(".El")
    return out


def exit_status_section(program):
    heading = "## Exit status of logsplit" if program == "logsplit" else "| exit | meaning |"
    rows = readme_table(heading)
    if not all(re.fullmatch(r"\d+", row[0]) for row in rows):
        fail(f"README.md: the {program} exit-status table has a first column that is not a number")

    def describe(row):
        meaning = roff_text(row[1])
        lines = [meaning if meaning.endswith(".") else meaning + "."]
        if len(row) > 2 and row[2]:
            lines.append(f"What to do: {roff_text(row[2])}.")
        return lines

    return [".Sh EXIT STATUS", f"The {program} utility exits with one of these statuses:"] + tag_list(rows, describe)


def signals_section():
    rows = readme_table("| signal | effect |")
    return [".Sh SIGNALS"] + tag_list(rows, lambda row: [roff_text(row[1])])


def hand_written(name):
    path = REPO / "packaging" / "man" / f"{name}.sections"
    if not path.exists():
        fail(f"{path} is missing")
    return path.read_text(encoding="utf-8").rstrip("\n").splitlines()


def split_sections(lines):
    """(preamble lines, [(title, lines)]) of an mdoc page, split at .Sh."""
    preamble, sections = [], []
    for line in lines:
        match = re.match(r'^\.Sh\s+"?([^"]*)"?\s*$', line)
        if match:
            sections.append((match.group(1).upper(), [f".Sh {match.group(1).upper()}"]))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    return preamble, sections


def without_implicit_help(lines):
    """argument-parser lists its implicit `help` subcommand even for a program without subcommands (logsplit):
    drop its item (and nested list) and the synopsis' `subcommand` when `help` is the only subcommand."""
    subcommands = [line for line in lines if line.startswith(".It Em ")]
    if subcommands != [".It Em help"]:
        return lines
    out, skipping, depth = [], False, 0
    for line in lines:
        if line == ".Ar subcommand":
            continue
        if line == ".It Em help":
            skipping, depth = True, 0
            continue
        if skipping:
            if line.startswith(".Bl"):
                depth += 1
                continue
            if line == ".El" and depth > 0:
                depth -= 1
                continue
            if depth == 0 and (line.startswith(".It") or line == ".El"):
                skipping = False
            else:
                continue
        out.append(line)
    return out


def formatted_discussion(lines, drop_exit_codes):
    """A help discussion as mdoc: blank lines become paragraph breaks, runs of lines indented by two spaces
    literal displays; with drop_exit_codes (the program's own discussion) a paragraph listing exit codes is
    dropped, as EXIT STATUS has the README's table."""
    paragraphs, current = [], []
    for line in lines:
        if line.strip() == "":
            if current:
                paragraphs.append(current)
            current = []
        else:
            current.append(line)
    if current:
        paragraphs.append(current)
    out = []
    for paragraph in paragraphs:
        if drop_exit_codes and paragraph[0].startswith(("Exit status:", "Exit codes:")):
            continue
        if out:
            out.append(".Pp")
        literal = False
        for line in paragraph:
            if line.startswith("  ") and not literal:
                out.append(".Bd -literal -offset indent")
                literal = True
            elif not line.startswith("  ") and literal:
                out.append(".Ed")
                literal = False
            out.append(line[2:] if literal else line)
        if literal:
            out.append(".Ed")
    return out


def program_page(program, section):
    generated = REPO / "packaging" / "man" / "generated" / f"{program}.{section}"
    if not generated.exists():
        fail(f"{generated} is missing: run `make man-generated`")
    preamble, sections = split_sections(without_implicit_help(generated.read_text(encoding="utf-8").splitlines()))
    for index, (title, body) in enumerate(sections):
        if title == "DESCRIPTION":
            # Each run of text lines is a discussion: the program's first, then its subcommands'.
            formatted, run, first = [], [], True
            for line in body + [".end"]:
                if line.startswith("."):
                    if any(text.strip() for text in run):
                        formatted.extend(formatted_discussion(run, drop_exit_codes=first))
                        first = False
                    run = []
                    formatted.append(line)
                else:
                    run.append(line)
            sections[index] = (title, formatted[:-1])
    _, extra = split_sections(hand_written(program))
    extra = dict(extra)
    order = ["NAME", "SYNOPSIS", "DESCRIPTION", "SIGNALS", "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES",
             "SEE ALSO", "AUTHORS"]
    built = {title: body for title, body in sections if title not in ("EXIT STATUS", "AUTHORS") or len(body) > 1}
    built["EXIT STATUS"] = exit_status_section(program)
    if program == "logsplit":
        built["SIGNALS"] = signals_section()
    for title, body in extra.items():
        if title in ("NAME", "SYNOPSIS", "EXIT STATUS"):
            fail(f"packaging/man/{program}.sections must not write {title}: it is generated")
        built[title] = body
    unknown = [title for title in built if title not in order]
    if unknown:
        fail(f"{program}: sections {unknown} have no place in the page order {order}")
    # The footer names the release (the generated `.Os` is empty, which renders as "BSD").
    out = [f".Os logsplit {release()}" if line == ".Os" else line for line in preamble]
    for title in order:
        if title in built:
            out.extend(line for line in built[title] if line.strip() != "")
    # The generated preamble's comment says "Generated by swift-argument-parser"; say what else went in.
    out.insert(1, '.\\" Merged by scripts/man-pages.py with packaging/man/' + program + '.sections and README.md')
    return "\n".join(out) + "\n"


def release():
    header = (REPO / "Sources" / "CBuildInfo" / "release.h").read_text(encoding="utf-8")
    match = re.search(r'^#define LOGSPLIT_RELEASE "([^"]+)"', header, re.M)
    if not match:
        fail("Sources/CBuildInfo/release.h has no #define LOGSPLIT_RELEASE line")
    return match.group(1)


def toml_page(date):
    """logdump.toml(5): every key of Config/logdump.toml with its comment and default."""
    sections = dict(split_sections(hand_written("logdump.toml"))[1])
    sample = (REPO / "Config" / "logdump.toml").read_text(encoding="utf-8").splitlines()
    keys = []          # mdoc lines of the KEYS section
    pending = []       # comment lines waiting for their key
    table = None
    open_list = False
    previous_key = None

    def close_list():
        nonlocal open_list
        if open_list:
            keys.append(".El")
            open_list = False

    for raw in sample:
        line = raw.strip()
        table_match = re.fullmatch(r"\[([a-z_]+)\]", line)
        key_match = re.fullmatch(r"(#\s*)?([a-z_]+)\s*=\s*(.*?)(\s+#\s*(.*))?", line)
        variant = re.fullmatch(r"#\s*---\s*(.*?)\s*---", line)
        if table_match:
            close_list()
            table = table_match.group(1)
            keys.append(f".Ss [{table}]")
            pending = []
        elif table is None:
            continue  # the file's own header comment; DESCRIPTION says it in full
        elif variant:
            close_list()
            keys.extend([".Pp", f"With {roff_text(variant.group(1))}:"])
            pending = []
        elif key_match:
            commented, name, value, _, note = key_match.groups()
            if not open_list:
                keys.append(".Bl -tag -width Ds")
                open_list = True
            # On a macro line a double quote delimits arguments: write it as the \(dq glyph.
            shown = roff_text(value).replace('"', "\\(dq") or "\\(dq\\(dq"
            keys.append(f".It Ic {name} No = Li {shown}")
            text = " ".join(pending + ([note] if note else []))
            if text and not text.endswith("."):
                text += "."
            if text:
                keys.append(roff_text(text))
            elif previous_key and not commented:
                keys.append(f"See {previous_key}.")
            if commented:
                keys.append("Commented out in the sample: an example value.")
            previous_key = name
            pending = []
        elif line.startswith("#"):
            pending.append(line.lstrip("#").strip())
        elif line == "":
            if pending and not open_list:
                keys.append(roff_text(" ".join(pending)))
                pending = []
    close_list()
    out = [f".Dd {date}", ".Dt LOGDUMP.TOML 5", f".Os logsplit {release()}", ".Sh NAME", ".Nm logdump.toml",
           ".Nd configuration file of logdump, the shipper of closed log files"]
    for title in ["DESCRIPTION"]:
        out.extend(sections.pop(title, []))
    out.append(".Sh KEYS")
    out.extend(keys)
    for title in ["FILES", "EXAMPLES", "SEE ALSO"]:
        out.extend(sections.pop(title, []))
    if sections:
        fail(f"packaging/man/logdump.toml.sections: sections {list(sections)} have no place in the page")
    return "\n".join(line for line in out if line.strip() != "") + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory for logsplit.8, logdump.8 and logdump.toml.5")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    generated = (REPO / "packaging" / "man" / "generated" / "logsplit.8").read_text(encoding="utf-8")
    date = re.search(r"^\.Dd (.+)$", generated, re.M).group(1)
    (out / "logsplit.8").write_text(program_page("logsplit", 8), encoding="utf-8")
    (out / "logdump.8").write_text(program_page("logdump", 8), encoding="utf-8")
    (out / "logdump.toml.5").write_text(toml_page(date), encoding="utf-8")


if __name__ == "__main__":
    main()
