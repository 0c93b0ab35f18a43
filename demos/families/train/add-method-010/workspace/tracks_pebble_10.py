class Playlist:
    def __init__(self):
        self.songs = []

    def add_song(self, title):
        self.songs.append(title)
