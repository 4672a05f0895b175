"""HTML and SVG of the console's pages: pure functions from the view data
(``services.console.domain.views``) to text, every value escaped, no script, no network
(the CSS is inline, the chart is SVG drawn here)."""
