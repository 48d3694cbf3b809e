"""Parses an OpenMetrics exposition with the reference parser, prometheus_client's
openmetrics.parser, and prints what it read, one line per family and per exemplar:

    family NAME TYPE UNIT SAMPLES
    exemplar SAMPLE LABELS TRACE_ID SPAN_ID VALUE TIMESTAMP

Exit status 1 (with the parser's error) when the text does not parse. Run by the session-metrics
unit test `exposition::tests::openmetrics_reference_parser` (scripts/e2e-mcp.sh runs it).
"""

import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def main(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as error:
        print(f"parse error: {error}", file=sys.stderr)
        return 1
    for family in families:
        print(f"family {family.name} {family.type} {family.unit or '-'} {len(family.samples)}")
        for sample in family.samples:
            e = sample.exemplar
            if e is None:
                continue
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            ts = f"{e.timestamp.sec}.{e.timestamp.nsec:09d}" if e.timestamp else "-"
            print(
                f"exemplar {sample.name} {labels} {e.labels['trace_id']} "
                f"{e.labels['span_id']} {e.value!r} {ts}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
