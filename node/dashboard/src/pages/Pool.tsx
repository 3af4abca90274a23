/** The IP pool: counts, and the free and assigned addresses a page at a time. */
import { useState } from "react";
import { useAtFinalized, useSession } from "../chain/hooks";
import { ipPool } from "../chain/market";
import { Card, Loading, Stat } from "../components/ui";
import { formatIp, text } from "../lib/format";

const PAGE = 50;
type Ip = { type: "V4"; value: string } | { type: "V6"; value: string };

export function Pool() {
  const { conn } = useSession();
  const [cursors, setCursors] = useState<(Ip | undefined)[]>([undefined]);
  const after = cursors[cursors.length - 1];
  const { data, error } = useAtFinalized((at) => ipPool(conn.api, after, PAGE, at), [after?.value]);
  if (!data) return <Loading error={error} />;
  const last = data.free[data.free.length - 1] as Ip | undefined;
  return (
    <div className="page">
      <div className="stats">
        <Stat label="free" value={data.free_count} testId="pool-free" />
        <Stat label="held by VMs" value={data.assigned_count} testId="pool-held" />
      </div>
      <div className="grid">
        <Card title={`Free addresses (page ${cursors.length})`}>
          <ul className="ips">
            {data.free.map((ip) => (
              <li key={ip.value}>{formatIp(ip as Ip)}</li>
            ))}
          </ul>
          <div className="pager">
            <button disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              ← Previous
            </button>
            <button disabled={!last || data.free.length < PAGE} onClick={() => setCursors([...cursors, last])}>
              Next →
            </button>
          </div>
        </Card>
        <Card title="Assigned addresses">
          <table>
            <tbody>
              {data.assigned.map(([vm, ip]) => (
                <tr key={ip.value}>
                  <td>
                    <a href={`#/requests/${text(vm).replace(/^vm-/, "")}`}>{text(vm)}</a>
                  </td>
                  <td>{formatIp(ip as Ip)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
    </div>
  );
}
