class Playlist:
    def __init__(self):
        self.songs = []

    def add_song(self, title):
        self.songs.append(title)

    def size(self):
        return len(self.songs)

    def opener(self):
        return self.songs[0] if self.songs else None
