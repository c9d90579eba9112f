/**
 * Records a lead's outcomes (contact made, meeting booked, qualified, deal) from HubSpot webhooks or
 * `POST /leads/{id}/events`. Each is a conditional write on the lead's version, retried on a concurrent
 * update, with its timeline event; a duplicate or later sighting changes nothing. Outcomes never touch the
 * SLA clock: a meeting the lead books through a meetings link is not the rep's first touch.
 */
import { applyOutcome, type OutcomeFact } from '../domain/outcomes.ts';
import type { LeadStore, Log, MetricName, Metrics } from './ports.ts';

/** What recording an outcome needs. */
export interface OutcomeDeps {
  store: LeadStore;
  log: Log;
  metrics?: Metrics;
}

const UPDATE_RETRIES = 5;

const METRIC: Record<OutcomeFact['kind'], MetricName> = {
  connected: 'LeadsContacted',
  meeting_booked: 'MeetingsBooked',
  qualified: 'LeadsQualified',
  deal: 'DealsRecorded',
};

/** Applies one outcome fact; 'ignored' when the lead is unknown, 'duplicate' when it adds nothing. */
export async function recordOutcome(
  deps: OutcomeDeps,
  leadId: string,
  fact: OutcomeFact,
): Promise<'applied' | 'duplicate' | 'ignored'> {
  for (let i = 0; i < UPDATE_RETRIES; i++) {
    const lead = await deps.store.getLead(leadId);
    if (!lead) return 'ignored';
    const write = applyOutcome(lead, lead.attemptsLogged, fact);
    if (!write) return 'duplicate';
    const next = await deps.store.updateLead(leadId, { version: lead.version }, write.patch);
    if (!next) continue;
    // The record is the source of truth (the KPIs read it); the event, written after it, is the timeline's
    // copy under a deterministic key.
    await deps.store.putEvent({ leadId, ...write.event });
    deps.metrics?.count(METRIC[fact.kind]);
    return 'applied';
  }
  throw new Error(`lead ${leadId} kept changing under us; giving up after ${UPDATE_RETRIES} tries`);
}
