import { z } from 'zod';

/** The wire formats the simulator speaks: one server each. */
export const SimulatedProvider = z.enum(['anthropic', 'openai']);
export type SimulatedProvider = z.infer<typeof SimulatedProvider>;
