/** GET / (the SLA board page, no data) and GET /board/data (bearer): live leads and today's KPIs. */
import { httpAuth } from '../../shared/app/wiring/auth.ts';
import { runtimeFromEnv } from '../../shared/app/wiring/runtime.ts';
import { dynamoStore } from '../../shared/app/wiring/store.ts';
import { boardDataRoute, boardPageRoute } from '../../shared/http/board-route.ts';
import { httpHandler } from '../../shared/http/chain.ts';

const rt = await runtimeFromEnv({ store: dynamoStore(), auth: httpAuth() });
const page = boardPageRoute();
const data = boardDataRoute(rt);

/** The Lambda handler: one function, two routes. */
export const handler = httpHandler((event) => ((event.rawPath ?? '/') === '/' ? page(event) : data(event)));
