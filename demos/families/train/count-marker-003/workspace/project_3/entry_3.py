# step 0: delta yarrow
# step 1: pebble nectar
# step 2: dune maple
# step 3: velvet kestrel FIXME basil FIXME nectar
# step 4: glacier cedar FIXME delta
