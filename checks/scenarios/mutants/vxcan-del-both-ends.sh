# Mutant: vxcan-no-xchg (with --variant followup-vxcan).
# Both ends of a vxcan pair spanning ns1 and ns2 are deleted at once. Whichever delete runs
# first hands the other end to its netns's work; until that work runs, the other end is still
# listed, so the second delete finds it and must see its peer pointer already taken (the xchg
# token) and leave the queued device alone.
# vxcan-no-xchg: the pointers were only read, so the second delete queues its end a second
# time (S4).
# Expected (faithful): ns1 and ns2 end empty; either delete may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vxcan0 type vxcan peer name vxcan1 netns ns2
ip -n ns1 link del vxcan0 &
ip -n ns2 link del vxcan1 &
wait
