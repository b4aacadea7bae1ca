"""Medians over rounds, the table and ratios, and the files in bench/results/: latest.json, results.md, the PNG."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

RSS_LIMIT_MB = 200.0
LABELS = {
    "channelgraph": "ChannelGraph (compiled path)",
    "channelgraph-resolver": "ChannelGraph (resolver path)",
    "postgraphile": "PostGraphile",
    "rawsql": "raw SQL (pgbench)",
}


def label(system: str) -> str:
    if system in LABELS:
        return LABELS[system]
    if system.startswith("channelgraph-"):
        return f"ChannelGraph ({system.split('-', 1)[1]} path)"
    return system


def _median(values):
    values = [v for v in values if v is not None]
    return None if not values else round(statistics.median(values), 3)


def summarise(runs: list[dict]) -> dict:
    """{scenario: {system: {concurrency: medians over rounds}}}."""
    grouped: dict[tuple, list[dict]] = {}
    for run in runs:
        grouped.setdefault((run["scenario"], run["system"], run["concurrency"]), []).append(run)
    out: dict = {}
    for (scenario, system, concurrency), items in grouped.items():
        rss = [i.get("server_rss_mb") for i in items if i.get("server_rss_mb") is not None]
        out.setdefault(scenario, {}).setdefault(system, {})[str(concurrency)] = {
            "rps": _median(i["rps"] for i in items),
            "p50_ms": _median(i["p50_ms"] for i in items),
            "p99_ms": _median(i["p99_ms"] for i in items),
            "errors": sum(i["errors"] for i in items),
            "requests": sum(i["requests"] for i in items),
            "rounds": len(items),
            "cpu_server_cores": _median(i.get("cpu_server_cores") for i in items),
            "cpu_postgres_cores": _median(i.get("cpu_postgres_cores") for i in items),
            "cpu_driver_cores": _median(i.get("cpu_driver_cores") for i in items),
            "cpu_other_cores": _median(i.get("cpu_other_cores") for i in items),
            "server_rss_mb_max": max(rss) if rss else None,
        }
    return out


def ratios(summary: dict, resolver: str = "channelgraph") -> dict:
    """req/s of each ChannelGraph path divided by PostGraphile's and by the raw-SQL bound's, per scenario."""
    out: dict = {}
    for scenario, systems in summary.items():
        for system, by_c in systems.items():
            if not system.startswith("channelgraph"):
                continue
            for c, figures in by_c.items():
                for peer in ("postgraphile", "rawsql"):
                    other = systems.get(peer, {}).get(c)
                    if other and other["rps"] and figures["rps"] is not None:
                        key = f"{system}/{peer}"
                        out.setdefault(scenario, {}).setdefault(key, {})[c] = round(figures["rps"] / other["rps"], 3)
    return out


def _fmt(v, digits=1):
    return "—" if v is None else f"{v:.{digits}f}"


def table(summary: dict, ratio: dict, systems: list[str]) -> str:
    """A markdown table: one line per scenario, system and concurrency; then the ratios."""
    lines = [
        "| scenario | system | conc. | req/s | p50 ms | p99 ms | errors | server CPU (cores) | PostgreSQL CPU (cores)"
        " | server ms CPU/req | max worker RSS MB | other load (cores) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, by_system in summary.items():
        for system in systems:
            for c, f in sorted(by_system.get(system, {}).items(), key=lambda kv: int(kv[0])):
                per_req = None if not f["cpu_server_cores"] or not f["rps"] else 1000 * f["cpu_server_cores"] / f["rps"]
                lines.append(
                    f"| {scenario} | {label(system)} | {c} | {_fmt(f['rps'])} | {_fmt(f['p50_ms'], 2)} |"
                    f" {_fmt(f['p99_ms'], 2)} | {f['errors']} | {_fmt(f['cpu_server_cores'], 2)} |"
                    f" {_fmt(f['cpu_postgres_cores'], 2)} | {_fmt(per_req, 2)} | {_fmt(f['server_rss_mb_max'])} |"
                    f" {_fmt(f['cpu_other_cores'], 2)} |"
                )
    lines += ["", "| scenario | ratio (req/s) | " + " | ".join(f"c={c}" for c in _concurrencies(summary)) + " |"]
    lines.append("|---|---|" + "---:|" * len(_concurrencies(summary)))
    for scenario, pairs in ratio.items():
        for pair, by_c in pairs.items():
            a, b = pair.split("/")
            cells = " | ".join(_fmt(by_c.get(c), 3) for c in _concurrencies(summary))
            lines.append(f"| {scenario} | {label(a)} / {label(b)} | {cells} |")
    return "\n".join(lines)


def _concurrencies(summary: dict) -> list[str]:
    seen = {c for systems in summary.values() for by_c in systems.values() for c in by_c}
    return sorted(seen, key=int)


def latest_json(meta: dict, summary: dict, ratio: dict, runs: list[dict]) -> dict:
    """The run as JSON: per scenario and system the figures at the lowest concurrency at the top level (req/s,
    p50 and p99 in ms, errors) and every concurrency under `by_concurrency`."""
    results: dict = {}
    for scenario, systems in summary.items():
        for system, by_c in systems.items():
            first = by_c[min(by_c, key=int)]
            results.setdefault(scenario, {})[system] = {
                "rps": first["rps"],
                "p50_ms": first["p50_ms"],
                "p99_ms": first["p99_ms"],
                "errors": sum(f["errors"] for f in by_c.values()),
                "by_concurrency": by_c,
            }
    return {"meta": meta, "results": results, "ratios": ratio, "runs": runs}


def chart(summary: dict, systems: list[str], path: Path, title: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no chart")
        return False
    concurrencies = _concurrencies(summary)
    scenarios = list(summary)
    fig, axes = plt.subplots(len(concurrencies), 1, figsize=(11, 4.2 * len(concurrencies)), squeeze=False)
    width = 0.8 / max(1, len(systems))
    colours = {"channelgraph": "#d62728", "postgraphile": "#1f77b4", "rawsql": "#7f7f7f"}
    for row, c in enumerate(concurrencies):
        ax = axes[row][0]
        for i, system in enumerate(systems):
            values = [(summary[s].get(system, {}).get(c) or {}).get("rps") or 0 for s in scenarios]
            xs = [x + (i - (len(systems) - 1) / 2) * width for x in range(len(scenarios))]
            bars = ax.bar(xs, values, width, label=label(system), color=colours.get(system))
            for bar, v in zip(bars, values, strict=True):
                if v:
                    ax.annotate(
                        f"{v:.0f}", (bar.get_x() + bar.get_width() / 2, v), ha="center", va="bottom", fontsize=7
                    )
        ax.set_xticks(range(len(scenarios)), scenarios)
        ax.set_ylabel("requests / s (median over rounds)")
        ax.set_title(f"{title} — concurrency {c}")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write(results_dir: Path, meta: dict, summary: dict, ratio: dict, runs: list[dict], systems: list[str]) -> str:
    results_dir.mkdir(parents=True, exist_ok=True)
    text = table(summary, ratio, systems)
    data = latest_json(meta, summary, ratio, runs)
    (results_dir / "latest.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    notes = "\n".join(f"- {n}" for n in meta.get("notes", []))
    # A smoke run (--quick) keeps its table and chart apart from the full run's; latest.json is always the last run.
    suffix = "" if meta["mode"] == "full" else f"-{meta['mode']}"
    (results_dir / f"results{suffix}.md").write_text(
        f"# Benchmark results ({meta['mode']})\n\n{meta['when']} · {meta['machine']} · data set {meta['data']}\n"
        f"· {meta['rounds']} round(s) x {meta['duration_s']} s per system (warm-up {meta['warmup_s']} s)\n\n"
        f"{text}\n\n{notes}\n\n![chart](benchmark{suffix}.png)\n"
    )
    chart(summary, systems, results_dir / f"benchmark{suffix}.png", f"ChannelGraph side by side ({meta['mode']})")
    return text
