/**
 * What `dbops schedule render --target` prints. Its own module, with no imports: the
 * command's definition (read by `dbops --help`) needs the list, not the renderers.
 */
export const RENDER_TARGETS = ['crontab', 'systemd', 'kubernetes'] as const;
export type RenderTarget = (typeof RENDER_TARGETS)[number];

/** The render targets, and the two that print what `schedule apply` makes. */
export const ALL_TARGETS = [...RENDER_TARGETS, 'asl', 'iam'] as const;
export type AnyTarget = (typeof ALL_TARGETS)[number];
