/** The plans with their prices, and a calculator: what a rental holds and how long an amount lasts. */
import { useState } from "react";
import { useAtFinalized, useSession } from "../chain/hooks";
import { plans } from "../chain/market";
import { Balance, Card, Loading } from "../components/ui";
import { formatDuration, formatMemory, parseBalance } from "../lib/format";
import { createHold, planPrices, secondsPaid } from "../lib/pricing";

export function Plans() {
  const { conn } = useSession();
  const { billing, token } = conn.facts;
  const { data, error } = useAtFinalized((at) => plans(conn.api, at), []);
  const [planId, setPlanId] = useState<number>();
  const [amount, setAmount] = useState("10");
  if (!data) return <Loading error={error} />;
  const chosen = data.find((p) => p.plan_id === planId) ?? data.find((p) => p.active) ?? data[0];
  const parsed = parseBalance(amount, token);
  return (
    <div className="page">
      <Card title="Plans">
        <table data-testid="plans">
          <thead>
            <tr>
              <th>Plan</th>
              <th>vCPUs</th>
              <th>Memory</th>
              <th>Disk</th>
              <th>Bandwidth</th>
              <th>Per block</th>
              <th>Per hour</th>
              <th>Per day</th>
              <th>Per month</th>
              <th>On sale</th>
            </tr>
          </thead>
          <tbody>
            {data.map((p) => {
              const prices = planPrices(p.price_per_block, billing);
              return (
                <tr key={p.plan_id} className={p.active ? "" : "retired"}>
                  <td>#{p.plan_id}</td>
                  <td>{p.spec.vcpus}</td>
                  <td>{formatMemory(p.spec.memory_mb)}</td>
                  <td>{p.spec.storage_gb} GB</td>
                  <td>{p.spec.bandwidth_mbps} Mbit/s</td>
                  <td><Balance planck={prices.perBlock} digits={6} /></td>
                  <td><Balance planck={prices.perHour} /></td>
                  <td><Balance planck={prices.perDay} /></td>
                  <td><Balance planck={prices.perMonth} /></td>
                  <td>{p.active ? "yes" : "retired"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="muted">
          A 30-day month at {billing.blockMs / 1000} s blocks. A VM also pays{" "}
          <Balance planck={billing.addressPricePerBlock} digits={6} /> per block for its address, burned.
        </p>
      </Card>
      {chosen && (
        <Card title="Calculator" testId="calculator">
          <div className="form-row">
            <label>
              Plan
              <select value={chosen.plan_id} onChange={(e) => setPlanId(Number(e.target.value))}>
                {data.map((p) => (
                  <option key={p.plan_id} value={p.plan_id}>
                    #{p.plan_id}: {p.spec.vcpus} vCPU, {formatMemory(p.spec.memory_mb)}
                    {p.active ? "" : " (retired)"}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Amount ({token.symbol})
              <input value={amount} onChange={(e) => setAmount(e.target.value)} inputMode="decimal" />
            </label>
          </div>
          <Hold pricePerBlock={chosen.price_per_block} />
          <p data-testid="lasts">
            {parsed === undefined ? (
              <span className="error">Not an amount of {token.symbol}.</span>
            ) : (
              <>
                <Balance planck={parsed} /> keeps this plan running for{" "}
                <strong>{formatDuration(secondsPaid(parsed, chosen.price_per_block, billing))}</strong>.
              </>
            )}
          </p>
        </Card>
      )}
    </div>
  );
}

/** What creating a request on a plan of `pricePerBlock` holds. */
export function Hold(props: { pricePerBlock: bigint }) {
  const { conn } = useSession();
  const { billing } = conn.facts;
  const hold = createHold(props.pricePerBlock, billing);
  return (
    <dl className="hold" data-testid="hold">
      <dt>Prepayment held</dt>
      <dd>
        <Balance planck={hold.prepayment} /> ({formatDuration((billing.prepayBlocks * billing.blockMs) / 1000)} of rent
        and address)
      </dd>
      <dt>Request deposit</dt>
      <dd>
        <Balance planck={hold.deposit} /> (returned when the request is removed)
      </dd>
      <dt>Held in all</dt>
      <dd>
        <Balance planck={hold.total} /> plus the transaction fee
      </dd>
    </dl>
  );
}
