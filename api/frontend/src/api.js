// Calls to the registry's API with the caller's credentials: the API key typed into the
// page (kept in this tab's sessionStorage only) or, without one, the admin session cookie.
// A 202 answer is a background job: polled until its answer is ready.

const KEY_NAME = "registry.explorer.api-key";
const POLL_MS = 1000;

export const credentials = {
  key: () => sessionStorage.getItem(KEY_NAME),
  remember: (key) => sessionStorage.setItem(KEY_NAME, key),
  forget: () => sessionStorage.removeItem(KEY_NAME),
};

/** The query parameter (or body field) a problem's error is about: the API names it
 * `parameter` (a query parameter) or `field`. */
export const parameterOf = (error) => error?.parameter ?? error?.field ?? null;

/** An answer other than 200/202: its status and problem document (RFC 9457), if any. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** The problem's sentence, with the parameter each of its errors names. */
  get detail() {
    const fields = (this.problem?.errors || [])
      .map((error) => (parameterOf(error) ? `${parameterOf(error)}: ${error.detail}` : error.detail))
      .filter(Boolean);
    return [this.problem?.detail || this.problem?.title || `HTTP ${this.status}`, ...fields].join(" — ");
  }
}

/** Failed background computation (the job's `error`). */
export class JobFailed extends Error {}

async function request(url) {
  const headers = { Accept: "application/json" };
  const key = credentials.key();
  if (key) headers.Authorization = `Api-Key ${key}`;
  let response;
  try {
    response = await fetch(url, { headers, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, null);
  }
  if (response.status === 200 || response.status === 202) {
    return { status: response.status, body: await response.json(), location: response.headers.get("Location") };
  }
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    // not a problem document (a proxy's page): the status says enough
  }
  throw new ApiError(response.status, problem);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET an analysis; while it is a background job, report its status and poll it. */
export async function getAnalysis(url, onProgress = () => {}) {
  let answer = await request(url);
  while (answer.status === 202) {
    const jobUrl = answer.location || `/api/analysis/jobs/${encodeURIComponent(answer.body.id)}/`;
    let job = answer.body;
    while (job.status !== "SUCCESSFUL") {
      if (job.status === "FAILED") throw new JobFailed(job.error || "?");
      onProgress(job.status);
      await sleep(POLL_MS);
      job = (await request(jobUrl)).body;
    }
    answer = await request(job.result_url);
  }
  return answer.body;
}

/** GET a plain resource (a list of the registry). */
export async function getJson(url) {
  return (await request(url)).body;
}

/** `path?query` from a mapping; arrays repeat the parameter, empty values are left out. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && item !== undefined && item !== "") query.append(name, item);
    }
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
