"""Write (or, with ``--check``, compare) the JSON Schema files under ``schemas/json/``.

python -m schemas.generate          # regenerate
python -m schemas.generate --check  # exit 1 when a committed file drifted
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from schemas import Alert, ClassifiedIncident, DeadLetter, IncidentReport

OUT = Path(__file__).parent / "json"
MODELS: dict[str, type[BaseModel]] = {
    "incident_report.v1.schema.json": IncidentReport,
    "classified_incident.v1.schema.json": ClassifiedIncident,
    "alert.v1.schema.json": Alert,
    "dead_letter.v1.schema.json": DeadLetter,
}


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if files differ")
    args = parser.parse_args(argv)
    drifted = []
    for name, model in MODELS.items():
        path = OUT / name
        text = render(model)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                drifted.append(name)
        else:
            OUT.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if drifted:
        print("schema files drifted from the models (run `make schemas`): " + ", ".join(drifted))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
