/** CI/OIDC providers whose subject formats iamwatch parses into claims. */
export type SubjectFormat =
  | 'github'
  | 'github-custom'
  | 'gitlab'
  | 'terraform-cloud'
  | 'circleci'
  | 'buildkite'
  | 'bitbucket'
  | 'eks'
  | 'unknown';

/**
 * Claims parsed out of an OIDC `sub`. The raw string is always kept; unknown formats
 * have only `raw` and `format: 'unknown'`, and still match baseline patterns as strings.
 */
export interface SubjectClaims {
  raw: string;
  format: SubjectFormat;
  /** key → value pairs in subject order, `%3A` decoded (e.g. repo, ref, environment, job_workflow_ref). */
  pairs: Array<[string, string]>;
  /** "owner/name" (GitHub), project path (GitLab), "org/workspace" (TFC), etc. */
  repository?: string;
  /** Org / owner / group / organization (first segment of repository for GitHub/GitLab). */
  owner?: string;
  ownerId?: string;
  repositoryId?: string;
  /** Git ref (refs/heads/main) or TFC run phase etc. */
  ref?: string;
  refType?: 'branch' | 'tag' | 'pull_request' | 'environment' | 'other';
  environment?: string;
  /** `job_workflow_ref` when the template includes it: "org/repo/.github/workflows/x.yml@refs/heads/main". */
  workflow?: string;
  /** True for pull-request / merge-request contexts (GitHub `pull_request`, GitLab MR refs). */
  pullRequest: boolean;
}
