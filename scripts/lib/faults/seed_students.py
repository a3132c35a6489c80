"""Creates students through the api (POST /students), several connections
at once, for scripts/faults. Prints how many were created; fails on any
non-201 answer.

    python3 seed_students.py API_URL TOKEN SCHOOL_ID CLASS_ID COUNT PREFIX [EMAIL_DOMAIN]

Admission numbers are PREFIX-00001 ... With EMAIL_DOMAIN each student
comes with a new primary guardian whose email is
guardian-PREFIX-00001@EMAIL_DOMAIN (lower case).
"""

import http.client
import json
import sys
import threading
import urllib.parse

CONNECTIONS = 6


def main():
    api, token, school, class_id, count, prefix = sys.argv[1:7]
    domain = sys.argv[7] if len(sys.argv) > 7 else None
    count = int(count)
    url = urllib.parse.urlsplit(api)
    headers = {
        "authorization": f"Bearer {token}",
        "x-school-id": school,
        "content-type": "application/json",
    }
    numbers = iter(range(1, count + 1))
    lock = threading.Lock()
    failures = []
    created = [0]

    def work():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while True:
            with lock:
                if failures:
                    return
                n = next(numbers, None)
            if n is None:
                return
            admission = f"{prefix}-{n:05d}"
            body = {
                "admission_no": admission,
                "first_name": f"Pupil{n}",
                "last_name": "Otieno",
                "class_id": class_id,
            }
            if domain:
                body["primary_guardian"] = {
                    "first_name": f"Parent{n}",
                    "last_name": "Otieno",
                    "phone": f"07{n:08d}",
                    "email": f"guardian-{admission.lower()}@{domain}",
                }
            try:
                conn.request("POST", "/students", json.dumps(body), headers)
                response = conn.getresponse()
                text = response.read()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                with lock:
                    failures.append(f"{admission}: {err}")
                return
            with lock:
                if response.status == 201:
                    created[0] += 1
                else:
                    failures.append(f"{admission}: {response.status} {text[:300]!r}")

    threads = [threading.Thread(target=work) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit("seed_students: " + "; ".join(failures[:3]))
    print(created[0])


if __name__ == "__main__":
    main()
