"""SDK-shaped /batch/ bodies for the ingestion benchmark: ~20 properties per event, new and returning people,
identifies, person updates, groups."""

import argparse
import datetime as dt
import json
import random
import uuid

PAGES = ["/", "/pricing", "/docs", "/blog/launch", "/signup", "/login", "/app", "/settings", "/checkout"]
BROWSERS = [("Chrome", 131), ("Firefox", 133), ("Safari", 18), ("Edge", 131)]
OS = [("Mac OS X", "14.6"), ("Windows", "11"), ("Linux", ""), ("iOS", "18.1"), ("Android", "15")]


def generate_requests(args: argparse.Namespace, token: str) -> tuple[list[bytes], list[dict]]:
    """Request bodies (posthog-python's /batch/ shape) in send order, and the events they hold."""
    rng = random.Random(args.seed)
    identified: set[int] = set()
    started = dt.datetime.now(dt.UTC)
    events = []
    for k in range(args.events):
        # New people keep arriving while earlier ones return (a growing pool, recent people more likely).
        pool = max(50, min(args.users, 50 + k * args.users // max(args.events, 1)))
        user = min(int(rng.expovariate(1.0) * pool / 4), pool - 1) if rng.random() < 0.6 else rng.randrange(pool)
        anon_id, user_id = f"01{user:06d}-anon-{args.seed}", f"user-{user}"
        distinct_id = user_id if user in identified else anon_id
        browser, os_name = BROWSERS[user % len(BROWSERS)], OS[user % len(OS)]
        page = rng.choice(PAGES)
        properties = {
            "$current_url": f"https://shop.example{page}",
            "$pathname": page,
            "$host": "shop.example",
            "$browser": browser[0],
            "$browser_version": browser[1],
            "$os": os_name[0],
            "$os_version": os_name[1],
            "$device_type": "Mobile" if os_name[0] in ("iOS", "Android") else "Desktop",
            "$screen_width": 1920,
            "$screen_height": 1080,
            "$referrer": "$direct",
            "$referring_domain": "$direct",
            "$session_id": f"session-{user}-{k // 500}",
            "$lib": "posthog-python",
            "$lib_version": "7.91.1",
            "$geoip_disable": True,
            "plan": ["free", "pro", "enterprise"][user % 3],
            "experiment": f"variant-{user % 2}",
            "price": round(rng.uniform(1, 500), 2),
            "items": rng.randint(1, 9),
        }
        roll = rng.random()
        name = "$pageview"
        if roll < 0.05 and user not in identified:
            name, distinct_id = "$identify", user_id
            properties["$anon_distinct_id"] = anon_id
            properties["$set"] = {"email": f"user{user}@example.com", "plan": properties["plan"]}
            identified.add(user)
        elif roll < 0.08:
            name = "$set"
            properties["$set"] = {"last_plan_seen": properties["plan"], "visits": k}
        elif roll < 0.10:
            name = "$groupidentify"
            properties.update({"$group_type": "company", "$group_key": f"company-{user % 200}"})
            properties["$group_set"] = {"name": f"Company {user % 200}", "seats": user % 50}
        elif roll < 0.25:
            name = "purchase"
            properties["$groups"] = {"company": f"company-{user % 200}"}
        timestamp = (started + dt.timedelta(milliseconds=k)).isoformat()
        events.append(
            {"event": name, "distinct_id": distinct_id, "properties": properties, "timestamp": timestamp,
             "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
        )  # fmt: skip
    bodies = []
    for start in range(0, len(events), args.batch):
        body = {"api_key": token, "batch": events[start : start + args.batch], "historical_migration": False}
        body["sent_at"] = events[min(start + args.batch, len(events)) - 1]["timestamp"]
        bodies.append(json.dumps(body).encode())
    return bodies, events
