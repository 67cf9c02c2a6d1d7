"""The model path: prompts per field group, strict response models, transport, the `openai` backend."""
