import { z } from 'zod';

/** What the dashboard lists: every model, its champion, and links to its reports. */

export const ReportKind = z.enum(['drift', 'run']);
export type ReportKind = z.infer<typeof ReportKind>;

/**
 * A link to one stored report. `id` is resolved under the dashboard's base
 * path (GET /reports/<id>); `href` is used as given (relative, http or https
 * only: a `javascript:` link is refused).
 */
export const ReportLink = z
  .strictObject({
    id: z.string().min(1).optional(),
    href: z
      .string()
      .min(1)
      .refine((h) => !/^[a-z][a-z0-9+.-]*:/i.test(h) || /^https?:/i.test(h), 'must be a relative, http or https link')
      .optional(),
    kind: ReportKind,
    at: z.iso.datetime({ offset: true }),
    /** The data set drifted (drift reports, and run reports whose drift check ran). */
    drifted: z.boolean().optional(),
    title: z.string().optional(),
  })
  .refine((r) => (r.id === undefined) !== (r.href === undefined), 'give exactly one of id or href');
export type ReportLink = z.infer<typeof ReportLink>;

export const DashboardModel = z.strictObject({
  name: z.string().min(1),
  /** The champion's version, null/absent when the model has none. */
  champion: z.number().int().min(1).nullable().optional(),
  /** Registered versions (0 for a model known only by its reports). */
  versions: z.number().int().min(0),
  reports: z.array(ReportLink),
});
export type DashboardModel = z.infer<typeof DashboardModel>;
