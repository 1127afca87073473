import csv
import io

from rest_framework import renderers


def _flatten(value, prefix: str, row: dict) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), row)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}.{index}" if prefix else str(index), row)
    else:
        row[prefix] = "" if value is None else value


class CSVRenderer(renderers.BaseRenderer):
    """`?format=csv`: one row per result, nested keys flattened as `properties.email`, `distinct_ids.0`."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        items = data if isinstance(data, list) else [data]
        rows, header = [], {}
        for item in items:
            row: dict = {}
            _flatten(item, "", row)
            rows.append(row)
            header.update(dict.fromkeys(row))
        output = io.StringIO()
        writer = csv.DictWriter(output, fieldnames=list(header), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return output.getvalue().encode(self.charset)
