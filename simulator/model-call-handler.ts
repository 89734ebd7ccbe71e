import { type FastifyReply, type FastifyRequest } from 'fastify';
import { completeAnswer } from './answer-completion';
import { type CallUpdate } from './call-log';
import { type FaultEffect } from './fault-spec';
import { type OutgoingResponse, type ProviderWire } from './provider-wire';
import { connectionLost, waitUnlessLost, type WritePacing, writeResponse } from './response-writer';
import { type SimulatorContext } from './simulator-context';

/** What became of a call before its response was written. */
type Prepared =
  { kind: 'respond'; response: OutgoingResponse; update: CallUpdate } | { kind: 'aborted'; update: CallUpdate };

/**
 * The route handler for a provider's model-call endpoint. Order of events, as on the real
 * services: an injected fault (the network or the provider failing) comes first, then headers
 * (auth, version), then the body, then the script's answer after its latency.
 */
export function modelCallHandler<TWireRequest>(context: SimulatorContext, wire: ProviderWire<TWireRequest>) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // The simulator writes raw responses itself, to control every byte and the connection.
    reply.hijack();
    const raw = reply.raw;
    const body = request.body;
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const model = typeof fields.model === 'string' ? fields.model : null;
    const callId = context.callLog.begin({
      provider: wire.provider,
      endpoint: request.url.split('?')[0] ?? request.url,
      model,
      requestBody: body ?? null,
      stream: fields.stream === true,
    });
    const lost = connectionLost(raw);
    const fault = context.faults.take(wire.provider, model);
    if (fault) context.callLog.update(callId, { fault });
    const effect = fault?.effect;

    try {
      if (effect?.type === 'reset' && effect.when === 'before_headers') {
        raw.destroy();
        context.callLog.end(callId, 'aborted');
        return;
      }
      if (effect?.type === 'hang') {
        await lost;
        context.callLog.end(callId, 'aborted');
        return;
      }
      const prepared = await prepare(context, wire, request, effect, lost);
      if (prepared.kind === 'aborted') {
        context.callLog.end(callId, 'aborted', prepared.update);
        return;
      }
      const { response, update } = prepared;
      const outcome = await writeResponse(raw, response, pacingFor(effect), lost);
      context.callLog.end(callId, outcome, { ...update, status: response.status, responseBody: response.logBody });
    } catch (error) {
      // A simulator bug must still answer in the provider's shape, and must not leave the call open.
      const response = wire.error({ status: 500, message: `simulator error: ${(error as Error).message}` });
      const outcome = raw.headersSent ? 'aborted' : await writeResponse(raw, response, { type: 'at_once' }, lost);
      if (outcome === 'aborted' && !raw.destroyed) raw.destroy();
      context.callLog.end(callId, outcome, { status: response.status, responseBody: response.logBody });
    }
  };
}

async function prepare<TWireRequest>(
  context: SimulatorContext,
  wire: ProviderWire<TWireRequest>,
  request: FastifyRequest,
  effect: FaultEffect | undefined,
  lost: Promise<true>,
): Promise<Prepared> {
  if (effect?.type === 'delay' && (await waitUnlessLost(effect.ms, lost))) return { kind: 'aborted', update: {} };
  if (effect?.type === 'http_error') {
    const error = {
      status: effect.status,
      message: effect.message ?? '',
      ...(effect.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: effect.retryAfterSeconds }),
    };
    return { kind: 'respond', response: wire.error(error), update: {} };
  }
  const headerError = wire.checkHeaders(request.headers);
  if (headerError) return { kind: 'respond', response: wire.error(headerError), update: {} };
  const parsed = wire.parse(request.body);
  if (!parsed.ok) return { kind: 'respond', response: wire.error(parsed.error), update: {} };

  const scripted = await context.responder.respond(parsed.call.chat);
  const update: CallUpdate = { rule: scripted.rule };
  const wasLost = scripted.untilReleased
    ? await context.gate.wait(lost)
    : await waitUnlessLost(scripted.latencyMs, lost);
  if (wasLost) return { kind: 'aborted', update };
  if (scripted.kind === 'error') {
    const { status, message, retryAfterSeconds, code } = scripted;
    return {
      kind: 'respond',
      response: wire.error({
        status,
        message,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        ...(code ? { code } : {}),
      }),
      update,
    };
  }
  if (scripted.recorded)
    Object.assign(update, { recordedCostUsd: scripted.recorded.costUsd, sampleId: scripted.recorded.sampleId });
  const completion = completeAnswer(parsed.call.chat, scripted.text);
  return {
    kind: 'respond',
    response: wire.answer(parsed.call, {
      completion,
      refusal: scripted.refusal,
      recorded: scripted.recorded,
      ...(scripted.toolCalls ? { toolCalls: scripted.toolCalls } : {}),
    }),
    update,
  };
}

function pacingFor(effect: FaultEffect | undefined): WritePacing {
  if (effect?.type === 'slow_body') return { type: 'slow', durationMs: effect.durationMs, chunks: effect.chunks };
  if (effect?.type === 'reset' && effect.when === 'mid_body') return { type: 'cut_mid_body' };
  return { type: 'at_once' };
}
