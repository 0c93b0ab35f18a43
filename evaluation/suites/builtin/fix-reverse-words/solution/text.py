def reverse_words(sentence):
    return ' '.join(reversed(sentence.split()))
