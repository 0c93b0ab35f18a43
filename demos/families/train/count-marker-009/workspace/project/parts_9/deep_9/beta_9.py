# step 0: acorn harbor
# step 1: onyx sierra deprecated dune
# step 2: fjord ember deprecated ember
# step 3: harbor falcon
# step 4: falcon amber deprecated kestrel deprecated falcon
# step 5: harbor maple deprecated amber
