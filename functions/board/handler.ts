/** GET / (the SLA board page, no data), GET /board/data and GET /audit (bearer): the board and the routing audit log. */

import { auditRoute } from '../../shared/http/audit-route.ts';
import { boardDataRoute, boardPageRoute } from '../../shared/http/board-route.ts';
import { httpHandler } from '../../shared/http/chain.ts';
import { httpAuth } from '../../shared/wiring/auth.ts';
import { runtimeFromEnv } from '../../shared/wiring/runtime.ts';
import { dynamoStore } from '../../shared/wiring/store.ts';

const rt = await runtimeFromEnv({ store: dynamoStore(), auth: httpAuth() });
const page = boardPageRoute();
const data = boardDataRoute(rt);
const audit = auditRoute(rt);

/** The Lambda handler: one function, two routes. */
export const handler = httpHandler((event) => {
  const path = event.rawPath ?? '/';
  return path === '/' ? page(event) : path === '/audit' ? audit(event) : data(event);
});
