/** GET / (the SLA board page, no data) and GET /board/data (bearer): live leads and today's KPIs. */
import { runtimeFromEnv } from '../../shared/app/runtime.ts';
import { boardDataRoute, boardPageRoute } from '../../shared/http/board-route.ts';
import { httpHandler } from '../../shared/http/chain.ts';

const rt = await runtimeFromEnv(['store', 'auth']);
const page = boardPageRoute();
const data = boardDataRoute(rt);

/** The Lambda handler: one function, two routes. */
export const handler = httpHandler((event) => ((event.rawPath ?? '/') === '/' ? page(event) : data(event)));
