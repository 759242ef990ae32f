"""Name material for the screening evaluation set, from public knowledge of naming traditions.

Each tradition lists *clusters*: spellings of one name as different romanisations, registers
or clerks write it ("Hryhoriy|Grigoriy|Grigory"). A listed person uses one spelling; a query
for the same person may use another spelling of the same cluster. Different clusters are
different names (a query that swaps a cluster is a different person). Nothing here is about a
real listed person: the combinations are drawn at random.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tradition:
    key: str
    countries: tuple[str, ...]
    given: tuple[tuple[str, ...], ...]
    family: tuple[tuple[str, ...], ...]
    middle: tuple[tuple[str, ...], ...] = ()
    #: "given family", "family given" (East Asian order), "hispanic" (two family names)
    order: str = "given family"
    #: Chinese/Korean given names of two syllables: written joined, hyphenated or split
    syllables: tuple[tuple[str, ...], ...] = ()


def _clusters(text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(c.split("|")) for c in text.split())


ARABIC = Tradition(
    "arabic",
    ("SA", "IQ", "SY", "EG", "YE", "JO", "LB", "AE"),
    given=_clusters(
        "Muhammad|Mohammed|Mohamed|Mohammad|Muhammed Ahmad|Ahmed Hussein|Husain|Hussain "
        "Yusuf|Yousef|Youssef Omar|Umar Khalid|Khaled Abdulrahman|Abdul_Rahman|Abd_al-Rahman|"
        "Abdurrahman|Abdel_Rahman Abdullah|Abdallah|Abdulla Abdulaziz|Abdul_Aziz|Abdelaziz "
        "Ibrahim|Ebrahim Mustafa|Mostafa|Moustafa Hamza|Hamzah Tariq|Tarek|Tareq "
        "Faisal|Faysal|Feisal Saeed|Said|Saied Walid|Waleed Jamal|Gamal Nasser|Nasir|Naser "
        "Karim|Kareem Rashid|Rasheed Majid|Majeed|Maged Abu_Bakr|Abubakar|Abubakr|Abu_Bakar "
        "Osama|Usama Anwar|Anouar Fatima|Fatimah|Fatma Aisha|Aysha|Aicha Mahmoud|Mahmud "
        "Hassan|Hasan Salim|Saleem|Selim Yasser|Yasir|Yaser Zaid|Zayd|Zeid Bilal|Belal "
        "Adel|Adil|Aadil Hisham|Hesham Ayman|Aiman Samir|Sameer|Semir Abdul_Karim|Abdulkarim|"
        "Abdelkarim Abdul_Latif|Abdullatif|Abdellatif"
    ),
    family=_clusters(
        "Al-Rashid|Alrashid|Al_Rashid|Al-Rasheed Al-Masri|Almasri|El-Masry Al-Tamimi|"
        "Altamimi|Al_Tamimi Al-Khatib|Alkhatib|El_Khatib Mansour|Mansur Qureshi|Qurashi|Kureishi "
        "Al-Harbi|Alharbi|Al_Harbi Nasrallah|Nasr_Allah Abdel_Nour|Abdelnour|Abdul_Nour "
        "Haddad|Hadad Khoury|Khouri|Khuri Al-Shami|Alshami|El-Shami Barakat|Barakaat "
        "Darwish|Darwiche|Dervish Saleh|Salih Al-Amin|Alamin|El_Amin Zaidan|Zeidan "
        "Hamdan|Hamdaan Bakri|Bakry Othman|Uthman|Osman Sulaiman|Suleiman|Sulayman|Soliman "
        "Al-Qahtani|Alqahtani|Al_Kahtani Al-Zahrani|Alzahrani Al-Dosari|Aldossari|Al-Dawsari "
        "Shaheen|Shahin Abu_Zaid|Abuzaid|Abu_Zeid"
    ),
)

PERSIAN = Tradition(
    "persian",
    ("IR", "AF"),
    given=_clusters(
        "Mohammad_Reza|Mohammadreza|Muhammad_Riza Alireza|Ali_Reza|Alireza Hossein|Hosein|Husayn "
        "Mehdi|Mahdi Reza|Riza Hamid|Hameed Javad|Jawad Gholam|Ghulam|Qolam "
        "Abolfazl|Abulfazl|Abol_Fazl Farhad|Farhaad Dariush|Daryush|Dariyoush "
        "Fereydoun|Fereidoun|Feridun Shahram|Shahraam Kourosh|Kurosh|Koorosh Parviz|Parvis|Perviz "
        "Maryam|Mariam Zahra|Zahrah Nasrin|Nasreen Morteza|Mortaza|Murtaza Mojtaba|Mujtaba "
        "Sadegh|Sadeq|Sadiq Ghasem|Qasem|Qassem Esmaeil|Esmail|Ismail Ebrahim|Ibrahim "
        "Behrouz|Behruz Kambiz|Kambeez Masoud|Massoud|Masud"
    ),
    family=_clusters(
        "Ahmadinejad|Ahmadi_Nejad|Ahmadinezhad Hosseini|Husseini|Hoseini Mousavi|Musavi|Moussavi "
        "Rezaei|Rezaee|Rezai Jafari|Jafary|Ja'fari Karimi|Kareemi Tehrani|Tehraani "
        "Khamenei|Khamenehi|Khamene'i Rafsanjani|Rafsanjaani Shirazi|Shirazy Ghorbani|Qorbani "
        "Sadeghi|Sadeqi Najafi|Nadjafi Golpayegani|Golpaygani Zarif|Zareef Mohammadi|Muhammadi "
        "Nikpour|Nikpur Bagheri|Baqeri|Bagheri Soleimani|Solaimani|Sulaimani Vahidi|Wahidi "
        "Larijani|Laridjani Kazemi|Kazimi|Qazemi Shamkhani|Shamkhaani Abbasi|Abasi"
    ),
)

SLAVIC = Tradition(
    "slavic",
    ("RU", "UA", "BY"),
    given=_clusters(
        "Hryhoriy|Grigoriy|Grigory|Hryhorii|Grigori Oleksandr|Aleksandr|Alexander|Oleksander "
        "Serhiy|Sergei|Sergey|Serhii Yevhen|Yevgeniy|Evgeny|Evgenii|Yevgeny Andriy|Andrei|Andrey|"
        "Andrii Dmytro|Dmitriy|Dmitry|Dmitri Oleh|Oleg Ihor|Igor Mykhailo|Mikhail|Mykhaylo "
        "Yuriy|Yuri|Yury|Iurii Vasyl|Vasiliy|Vasily|Vassili Petro|Pyotr|Petr Olena|Elena|Yelena "
        "Tetiana|Tatiana|Tatyana|Tetyana Nataliya|Natalia|Natalya Oleksiy|Aleksey|Alexei|Oleksii "
        "Viktor|Victor Fedir|Fyodor|Fedor Yakiv|Yakov|Iakov Heorhiy|Georgiy|Georgy|Heorhii "
        "Nikolai|Nikolay|Nicolai Anatoliy|Anatoly|Anatolii Valeriy|Valery|Valerii "
        "Hennadiy|Gennady|Gennadiy|Hennadii Kostiantyn|Konstantin|Kostyantyn"
    ),
    middle=_clusters(
        "Hryhorovych|Grigoryevich|Grigorievich Oleksandrovych|Aleksandrovich|Alexandrovich "
        "Serhiyovych|Sergeyevich|Sergeevich Ivanovich|Ivanovych Petrovich|Petrovych "
        "Vasylyovych|Vasilyevich|Vasilievich Mikhailovich|Mykhailovych|Mikhaylovich "
        "Yuriyovych|Yuryevich|Yurievich Viktorovich|Viktorovych|Victorovich"
    ),
    family=_clusters(
        "Shevchenko|Shevchenco Kovalenko|Kovalenco Bondarenko|Bondarenco Tkachenko|Tkachenco "
        "Kravchenko|Kravchenco Melnyk|Melnik Hryshchenko|Grishchenko|Gryshchenko "
        "Horbunov|Gorbunov Hlushko|Glushko Ivanov|Ivanoff Smirnov|Smirnoff "
        "Kuznetsov|Kuznetsoff|Kouznetsov Popov|Popoff Sokolov|Sokoloff Lebedev|Lebedeff "
        "Kozlov|Kozloff Novikov|Novikoff Morozov|Morozoff Volkov|Volkoff "
        "Solovyov|Solovyev|Soloviev Vorobyov|Vorobiev|Vorobyev Yakovlev|Iakovlev "
        "Fedorov|Fyodorov Zhukov|Joukov|Zhoukov Khodorkovsky|Khodorkovskiy|Chodorkowski "
        "Deripaska|Deripasca Yanukovych|Yanukovich|Ianoukovitch Medvedchuk|Medvedchouk "
        "Kolomoisky|Kolomoyskyi|Kolomoiskiy Firtash|Firtasch Akhmetov|Achmetov|Ahmetov"
    ),
)

CHINESE = Tradition(
    "chinese",
    ("CN", "TW", "HK"),
    given=(),
    family=_clusters(
        "Zhang|Chang Xu|Hsu Qiu|Chiu Zhou|Chou Zhao|Chao Chen Li|Lee Liu Huang|Hwang Yang Wu "
        "Zheng|Cheng Xie|Hsieh Guo|Kuo Cai|Tsai Cao|Tsao Deng|Teng Jiang|Chiang Xiao|Hsiao "
        "Zhu|Chu Dong|Tung Song|Sung Gao|Kao Lin Ma He|Ho Luo|Lo Liang Han Feng Tang Peng "
        "Zeng|Tseng"
    ),
    order="family given",
    syllables=_clusters(
        "xiao|hsiao ming jian|chien guo|kuo zhi|chih qiang|chiang wei hua jun|chun li xin|hsin "
        "yong|yung dong|tung zhong|chung de|te jie|chieh qing|ching bao|pao ping hong|hung "
        "xue|hsueh zi|tzu gang|kang kai lei tao hui yu feng bin|pin zhen|chen yan hai lin"
    ),
)

KOREAN = Tradition(
    "korean",
    ("KP", "KR"),
    given=(),
    family=_clusters(
        "Kim|Gim Lee|Yi|Rhee Park|Pak|Bak Choi|Choe|Chwe Jung|Jeong|Chung Kang|Gang Cho|Jo "
        "Yoon|Yun Jang|Chang Lim|Im|Rim Han Shin|Sin Seo|Suh Kwon|Gwon Hwang Ahn|An Song "
        "Ryu|Yoo Hong Jeon|Chon Ko|Go Moon|Mun Yang Son|Sohn Baek|Paek"
    ),
    order="family given",
    syllables=_clusters(
        "jong|chong un|eun il sung|seong min ho jae|chae hyun|hyeon young|yeong soo|su "
        "chul|cheol dong hee|hui kyung|gyeong jin|chin seok|suk won tae ki|gi nam pyo pyeong "
        "ryong|ryeong gwang|kwang myong|myeong choon|chun"
    ),
)

INDIAN = Tradition(
    "indian",
    ("IN",),
    given=_clusters(
        "Rajesh Lakshmi|Laxmi Krishna|Krishan Venkatesh|Venkatesha Srinivas|Shrinivas|Sreenivas "
        "Mohan Suresh Ramesh Vijay|Vijai Sanjay|Sanjai Abhishek|Abhisek Deepak|Dipak "
        "Pradeep|Pradip Sunil Anil Ashok|Asok Aditya|Aaditya Aadhya|Adhya Pooja|Puja Priya "
        "Kavita|Kavitha Sunita|Sunitha Geeta|Gita|Geetha Shweta|Sweta Jyoti|Jyothi "
        "Bhupinder|Bhupender Gurpreet|Gurprit Harpreet|Harprit Manoj Rakesh Sandeep|Sandip "
        "Kuldeep|Kuldip Subramanian|Subramaniam Karthik|Kartik|Karthick Mohammed|Mohd|Mohammad "
        "Abdul_Kalam|Abdulkalam Imran Salman Farhan|Farhaan Irfan|Irphan"
    ),
    middle=_clusters("Kumar Prasad Lal Chandra|Chander Nath Rao Devi Kumari Singh"),
    family=_clusters(
        "Choudhury|Chaudhary|Chowdhury|Chaudhuri|Choudhary Agarwal|Aggarwal|Agrawal "
        "Das_Gupta|Dasgupta|Dass_Gupta Sen_Gupta|Sengupta Srivastava|Shrivastava|Srivastav "
        "Bhattacharya|Bhattacharyya|Bhattacharjee Mukherjee|Mukherji|Mukerji "
        "Chatterjee|Chatterji Banerjee|Banerji Iyer|Ayyar Reddy|Reddi Naidu|Naydu "
        "Sharma|Sarma Verma|Varma Patel Shah Deshpande Kulkarni Joshi|Joshee Pillai|Pillay "
        "Menon Nair|Nayar Gupta Malhotra Khanna Kapoor|Kapur Mehta Bose|Basu Ghosh|Ghose "
        "Dutta|Datta Qureshi|Kureshi Siddiqui|Siddiqi|Siddiqui Ansari Shaikh|Sheikh"
    ),
)

HISPANIC = Tradition(
    "hispanic",
    ("MX", "CO", "VE", "PE", "ES", "AR", "CU"),
    given=_clusters(
        "José|Jose Juan_Carlos|Juancarlos Javier|Xavier Jorge Luis|Luiz Guillermo Ignacio "
        "Gonzalo Rodrigo Alejandro Héctor|Hector Jesús|Jesus Enrique|Henrique Rafael Francisco "
        "Joaquín|Joaquin Jimena|Ximena Yolanda Maria_José|María_José Carlos Miguel_Ángel|"
        "Miguel_Angel Andrés|Andres Sebastián|Sebastian Esteban Óscar|Oscar"
    ),
    family=_clusters(
        "García|Garcia Rodríguez|Rodriguez Hernández|Hernandez González|Gonzalez|Gonzales "
        "Pérez|Perez Sánchez|Sanchez Ramírez|Ramirez Vásquez|Vazquez|Vasquez Gutiérrez|Gutierrez "
        "Jiménez|Jimenez|Ximenez Muñoz|Munoz Álvarez|Alvarez Castillo Villanueva|Vilanueva "
        "Guzmán|Guzman Zapata Ochoa Escobar Echeverría|Echeverria|Etcheverria "
        "De_la_Cruz|Delacruz Del_Valle|Delvalle Quintero Restrepo Cárdenas|Cardenas "
        "Mendoza Rojas Salazar Arellano|Areyano Beltrán|Beltran Carrillo|Cariyo"
    ),
    order="hispanic",
)

AFRICAN = Tradition(
    "african",
    ("SO", "NG", "ML", "SN", "KE", "SD", "GN"),
    given=_clusters(
        "Maxamed|Mohamed|Mohammed Cabdi|Abdi Cabdullahi|Abdullahi Cali|Ali Xasan|Hassan|Hasan "
        "Xuseen|Hussein|Husein Cumar|Omar|Umar Faarax|Farah Axmed|Ahmed Yuusuf|Yusuf "
        "Ismaaciil|Ismail Ibraahim|Ibrahim Cusmaan|Osman|Usman Shariif|Sharif Aadan|Adan "
        "Jaamac|Jama Faadumo|Fadumo|Fatuma Khadiija|Khadija Abubakar|Abu_Bakr|Aboubakar "
        "Mamadou|Mamadu|Mamoudou Ousmane|Usmane Ibrahima|Ibraahima Amadou|Ahmadou Moussa|Mousa "
        "Oluwaseun|Oluseun Adebayo|Adebayor Chukwuemeka|Chukwu-Emeka Olusegun|Olusegon "
        "Ngozi Babatunde|Babatundé"
    ),
    family=_clusters(
        "Warsame|Warsami Jaamac|Jama Gurey|Guure Xirsi|Hirsi Cilmi|Elmi Nuur|Nur "
        "Guuleed|Guled Faarax|Farah Ciise|Isse|Issa Muuse|Muse|Musa Daahir|Dahir "
        "Maxamuud|Mohamud|Mahmoud Traoré|Traore Diallo|Jallow Keita|Keyta Coulibaly|Kulibali "
        "Ouedraogo|Wedraogo Okonkwo Okafor|Okafur Adeyemi|Adeyemy Nwosu Mensah|Mensa "
        "Boateng Kamara Sesay|Sessay Abdulkadir|Abdul_Kadir|Cabdulqaadir"
    ),
)

TRADITIONS = (ARABIC, PERSIAN, SLAVIC, CHINESE, KOREAN, INDIAN, HISPANIC, AFRICAN)
