# A guest that rewrites its memory as fast as it can, with no OS: a boot sector that enters 32-bit
# protected mode and fills all RAM from 1 MiB up to the end of low memory with `rep stosl`, pass after
# pass, in 64 KiB chunks. Before each chunk it increments a counter at physical address 0x500 and then
# writes the counter's value into every 32-bit word of the chunk. So the counter moves on within
# microseconds while the guest runs, and the memory of one instant holds a counter S, the chunk being
# written holding S (up to the point reached) then S-N (N = chunks in the region), and every other chunk k
# the value S - ((c - k) mod N), c being the chunk with S.
#
# Built at test time (BusyGuest.java):  as --32 -o busy.o busy_guest.S
#                                       ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o busy.img busy.o
# The end of RAM below 4 GiB comes from the CMOS (0x34/0x35: 64 KiB units above 16 MiB), as firmware
# reads it; above 4 GiB is out of reach of 32-bit addresses, so a 4 GiB `pc` guest rewrites its low 3 GiB.
    .code16
    .globl _start
_start:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl gdtr
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $protected

    .code32
protected:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl $0x7000, %esp
    movb $0x35, %al             # CMOS: extended memory above 16 MiB, high byte
    outb %al, $0x70
    inb $0x71, %al
    movb %al, %bl
    movb $0x34, %al             # low byte
    outb %al, $0x70
    inb $0x71, %al
    movb %bl, %ah
    movzwl %ax, %ebx
    addl $0xf0, %ebx            # 64 KiB chunks from 1 MiB to the end
    xorl %eax, %eax
    cld
pass:
    movl $0x100000, %edi
    movl %ebx, %edx
chunk:
    incl %eax
    movl %eax, 0x500
    movl $16384, %ecx           # 64 KiB in 32-bit words
    rep stosl
    decl %edx
    jnz chunk
    jmp pass

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    # code: base 0, limit 4 GiB, 32-bit
    .quad 0x00cf92000000ffff    # data: base 0, limit 4 GiB
gdtr:
    .word gdtr - gdt - 1
    .long gdt

    .org 510
    .word 0xaa55
