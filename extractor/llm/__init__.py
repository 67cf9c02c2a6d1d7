"""The model path: its settings, prompts per field group, the passages sent (`plan`, `passages`), strict response
models (`answers`), the transport, what an answer becomes (`quotes`), the Batch API route and the `openai` backend."""
