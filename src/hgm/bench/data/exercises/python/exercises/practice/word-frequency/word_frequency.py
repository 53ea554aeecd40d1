def top_words(text, n):
    pass
