/**
 * HAL links. The SDK turns every `_links` entry into a function (expanding templated ones with
 * RFC 6570 rules) and swaps the origin for its own, so hrefs are absolute URLs built from the
 * origin the client used.
 */

export interface Link {
  href: string;
  templated?: boolean;
}

export function link(base: string, path: string): Link {
  return {href: base + path};
}

export function templatedLink(base: string, pathTemplate: string): Link {
  return {href: base + pathTemplate, templated: true};
}

/** A collection link that accepts the paging parameters. */
export function pagedLink(base: string, path: string): Link {
  return templatedLink(base, path + "{?cursor,limit,order}");
}
