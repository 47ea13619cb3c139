"""Reading a question: the question model as data (concepts.yaml), folding, agencies and years, metrics and operations, the words not read, follow-ups."""
