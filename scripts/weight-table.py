#!/usr/bin/env python3
"""Prints what each pallet-compute call weighs against `transfer_keep_alive`, as the runtime
charges them: the generated weights (pallets/compute/src/weights.rs,
runtime/src/weights/pallet_balances.rs) with the database weights of
runtime/src/weights/paritydb_weights.rs. The margin the runtime adds to all of them cancels out
of the ratios.

    scripts/weight-table.py        # the table of node/load/README.md

Calls with a queued-operation component are shown with 4 operations queued (their declared
worst case), `claim_compute_payments` and `process_rental_expiries` for one request, `add_ips`
for one address. Reads and writes count distinct keys, the signer's account left out, as in
FRAME's benchmarks; proof is the proof size.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPONENTS = {
    "close_compute_request": 4,
    "fulfill_deletion_request": 4,
    "report_compute_request_failure": 4,
    "claim_compute_payments": 1,
    "process_rental_expiries": 1,
    "add_ips": 1,
}
# One VM's whole life; its deletion is fulfilled with only the deletion queued.
LIFE = {
    "create_compute_request": 0,
    "submit_compute_request_assignment": 0,
    "fulfill_compute_request": 0,
    "request_compute_stop": 0,
    "fulfill_stop_request": 0,
    "request_compute_boot": 0,
    "fulfill_boot_request": 0,
    "request_compute_reboot": 0,
    "fulfill_reboot_request": 0,
    "request_compute_delete": 0,
    "fulfill_deletion_request": 1,
    "claim_compute_payment": 0,
}


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def num(text):
    return int(text.replace("_", ""))


def db_weights():
    text = read("runtime/src/weights/paritydb_weights.rs")
    read_ns = num(re.search(r"read: ([\d_]+) \* WEIGHT_REF_TIME_PER_NANOS", text).group(1))
    write_ns = num(re.search(r"write: ([\d_]+) \* WEIGHT_REF_TIME_PER_NANOS", text).group(1))
    return read_ns * 1000, write_ns * 1000


def functions(text, impl):
    start = text.index(impl)
    body = text[start : text.index("\n}\n", start)]
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"\tfn (\w+)\([^)]*\) -> Weight \{(.*?)\n\t\}", body, re.S)
    }


def evaluate(body, component, db):
    base = re.search(r"Weight::from_parts\(([\d_]+), ([\d_]+)\)", body)
    ref_time, proof = num(base.group(1)), num(base.group(2))
    reads = writes = 0
    for line in body.splitlines():
        line = line.strip()
        m = re.match(
            r"\.saturating_add\(Weight::from_parts\(([\d_]+), ([\d_]+)\)(\.saturating_mul)?", line
        )
        if m:
            times = component if m.group(3) else 1
            ref_time += num(m.group(1)) * times
            proof += num(m.group(2)) * times
            continue
        m = re.match(
            r"\.saturating_add\(T::DbWeight::get\(\).(reads|writes)\(\(?(\d[\d_]*?)(?:_u64)?\)"
            r"(\.saturating_mul)?",
            line,
        )
        if m:
            count = num(m.group(2)) * (component if m.group(3) else 1)
            if m.group(1) == "reads":
                reads += count
            else:
                writes += count
    return ref_time + reads * db[0] + writes * db[1], reads, writes, proof


def main():
    db = db_weights()
    balances = functions(
        read("runtime/src/weights/pallet_balances.rs"),
        "impl<T: frame_system::Config> pallet_balances::WeightInfo",
    )
    transfer = evaluate(balances["transfer_keep_alive"], 0, db)[0]
    compute = functions(
        read("pallets/compute/src/weights.rs"),
        "impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T>",
    )
    print(f"transfer_keep_alive: {transfer / 1e6:.0f} µs before the margin\n")
    print("| call | × transfer | reads/writes | proof |")
    print("|---|---|---|---|")
    rows = sorted(
        (evaluate(body, COMPONENTS.get(name, 0), db), name) for name, body in compute.items()
    )
    for (weight, reads, writes, proof), name in sorted(rows, key=lambda row: row[0][0]):
        print(f"| `{name}` | {weight / transfer:.2f}× | {reads}/{writes} | {proof / 1024:.1f} KB |")
    life = sum(evaluate(compute[name], c, db)[0] for name, c in LIFE.items())
    print(f"\nThe whole life of one VM: {life / 1e6:,.0f} µs before the margin, "
          f"{life / transfer:.1f} transfers.")


main()
