// Package e2e holds end-to-end tests that drive the web pages in a real
// headless Chromium (/usr/bin/chromium, installed by scripts/test-deps.sh)
// against a real server over a temporary embedded store. It has no code of
// its own.
package e2e
