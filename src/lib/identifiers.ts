/**
 * RDS' identifier rules, in one place: 1 to `max` letters, digits and single hyphens,
 * starting with a letter and not ending with a hyphen. Instances and replicas allow 63,
 * snapshots 255, ElastiCache clusters 40. The local provider applies the same rules, so a
 * name that works locally works on AWS.
 */
export const RDS_IDENTIFIER = /^[a-zA-Z](?:-?[a-zA-Z0-9])*$/;

export function isRdsIdentifier(id: string, max: number): boolean {
  return typeof id === 'string' && id.length >= 1 && id.length <= max && RDS_IDENTIFIER.test(id);
}
