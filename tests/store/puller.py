"""A separate process that pulls into a store: ``python puller.py '<json args>'``.

Args: ``url``, ``client_id``, ``secret``, ``folder``, ``now_ms``, ``devices``, ``labels``,
``start``, ``end``. Prints the pull report's total requests when done.
"""

from __future__ import annotations

import json
import sys

from blynkbook.blynk import Blynk
from blynkbook.store import open_store
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session


def main(args: dict[str, object]) -> None:
    url, client_id = str(args["url"]), str(args["client_id"])
    creds = Credentials(url, client_id, str(args["secret"]))
    session = Session(url, auth=OAuth2ClientCredentials(creds))
    store = open_store(str(args["folder"]), server=url, client_id=client_id)
    now_ms = int(str(args["now_ms"]))
    with Blynk(session, server=url, client_id=client_id, now=lambda: now_ms, store=store) as c:
        report = c.pull(args["devices"], args["labels"], args["start"], args["end"], progress=False)
    print(int(report["requests"].sum()), flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
