"""Load the demo organisation (pm_dispatch.adapters.org_demo) of SUNNY, JADE and JINXIU into a running
dispatch through its API, as an administrator would; idempotent (an unchanged estate is left as it is).

    make seed-org                         (or: .venv/bin/python tools/seed_org.py [--url http://127.0.0.1:8003])
"""

from __future__ import annotations

import argparse
import sys

import httpx

from pm_common.auth import issue_token
from pm_common.settings import CommonSettings
from pm_dispatch.adapters.org_demo import DEMO_ESTATES, demo_organisation


def seed(url: str, estates: list[str]) -> int:
    token = issue_token(CommonSettings().auth_secret, "seed-org", "admin", ["*"], ttl_seconds=300)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for estate in estates:
            response = client.put(f"/v1/estates/{estate}/organisation", json=demo_organisation(estate))
            if response.status_code != 200:
                print(f"[seed-org] {estate}: {response.status_code} {response.text}", file=sys.stderr)
                return 1
            body = response.json()
            state = "loaded" if body["changed"] else "unchanged"
            print(f"[seed-org] {estate}: organisation v{body['version']} {state} ({len(body['people'])} people)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8003", help="dispatch base URL")
    parser.add_argument("--estates", default=",".join(DEMO_ESTATES))
    args = parser.parse_args(argv)
    try:
        return seed(args.url, args.estates.split(","))
    except httpx.HTTPError as exc:
        print(f"[seed-org] dispatch not reachable at {args.url}: {exc} (is `make run` up?)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
