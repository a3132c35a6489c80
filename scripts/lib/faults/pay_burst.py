"""A payment burst through the api with a second school reading at the same
time, for `scripts/faults pgbouncer`. Reads a JSON plan on stdin:

    {"api": URL, "connections": 16,
     "payer": {"token": T, "school": ID, "students": [ID...], "amounts": [5000, 15000]},
     "reader": {"token": T, "school": ID, "students": [ID...]}}

Each payer student gets one POST /payments per amount, all at once over
`connections` connections; meanwhile the reader lists its students and
payments again and again. Prints one JSON object: payments created,
failures, the reader's reads and any row of another school it was shown.
"""

import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def client(url):
    return http.client.HTTPConnection(url.hostname, url.port, timeout=60)


def headers(side):
    return {
        "authorization": f"Bearer {side['token']}",
        "x-school-id": side["school"],
        "content-type": "application/json",
    }


def main():
    plan = json.load(sys.stdin)
    url = urllib.parse.urlsplit(plan["api"])
    payer, reader = plan["payer"], plan["reader"]
    work = [
        (student, amount, f"BURST-{os.getpid()}-{n}-{i}")
        for n, student in enumerate(payer["students"])
        for i, amount in enumerate(payer["amounts"])
    ]
    lock = threading.Lock()
    created, failures = [0], []
    done = threading.Event()

    def pay():
        conn = client(url)
        while True:
            with lock:
                if not work:
                    return
                student, amount, ref = work.pop()
            body = {"student_id": student, "amount": amount, "method": "MPESA", "txn_ref": ref}
            try:
                conn.request("POST", "/payments", json.dumps(body), headers(payer))
                response = conn.getresponse()
                text = response.read()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                conn = client(url)
                with lock:
                    failures.append(f"{ref}: {err}")
                continue
            with lock:
                if response.status in (201, 202):
                    created[0] += 1
                else:
                    failures.append(f"{ref}: {response.status} {text[:200]!r}")

    reads, foreign, read_failures = [0], [], []
    own = set(reader["students"])

    def read():
        conn = client(url)
        while not done.is_set():
            for path in ("/students?limit=100", "/payments?limit=100"):
                try:
                    conn.request("GET", path, headers=headers(reader))
                    response = conn.getresponse()
                    rows = json.loads(response.read() or b"null")
                except (OSError, http.client.HTTPException, ValueError) as err:
                    conn.close()
                    conn = client(url)
                    read_failures.append(f"{path}: {err}")
                    continue
                with lock:
                    reads[0] += 1
                    if response.status != 200 or not isinstance(rows, list):
                        read_failures.append(f"{path}: {response.status}")
                        continue
                    # The reader has students and no payments: any other row is foreign.
                    for row in rows:
                        if path.startswith("/students") and row.get("id") in own:
                            continue
                        foreign.append(row.get("id"))

    started = time.monotonic()
    readers = [threading.Thread(target=read) for _ in range(2)]
    payers = [threading.Thread(target=pay) for _ in range(plan["connections"])]
    for thread in readers + payers:
        thread.start()
    for thread in payers:
        thread.join()
    seconds = time.monotonic() - started
    done.set()
    for thread in readers:
        thread.join()
    print(json.dumps({
        "payments": created[0],
        "failures": failures[:5],
        "failed": len(failures),
        "seconds": round(seconds, 1),
        "reads": reads[0],
        "foreign": foreign[:5],
        "foreign_rows": len(foreign),
        "read_failures": read_failures[:5],
    }))


if __name__ == "__main__":
    main()
