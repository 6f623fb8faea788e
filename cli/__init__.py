"""The `faq` command line: outside the core packages (assistant/, knowledge/, guardrails/), which never
import it, or ui/ and evals/ that it drives."""
