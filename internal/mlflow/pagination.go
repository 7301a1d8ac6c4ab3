package mlflow

import (
	"context"
	"fmt"
)

// maxPages stops a server that keeps answering with a page token.
const maxPages = 100000

// PageFunc fetches one page given the previous page's token ("" for the
// first) and returns its items and the next token.
type PageFunc[T any] func(ctx context.Context, pageToken string) (items []T, next string, err error)

// All reads every page: an empty or absent next token ends paging.
func All[T any](ctx context.Context, fetch PageFunc[T]) ([]T, error) {
	var all []T
	token := ""
	seen := map[string]bool{}
	for range maxPages {
		items, next, err := fetch(ctx, token)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		if seen[next] {
			return nil, fmt.Errorf("the server returned the page token %q twice: stopping to avoid an endless loop", next)
		}
		seen[next] = true
		token = next
	}
	return nil, fmt.Errorf("more than %d pages: giving up", maxPages)
}
